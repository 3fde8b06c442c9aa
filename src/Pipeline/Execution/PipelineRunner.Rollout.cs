using System.Globalization;
using Hnn.Datasets;
using Hnn.Pipeline.Config;
using Hnn.Stages.Model;
using Hnn.Stages.Rollout;

namespace Hnn.Pipeline.Execution;

/// <summary>Rollout stages: the true-H trajectories once per run, each learned model's per experiment.</summary>
public sealed partial class PipelineRunner
{
    /// <summary>At most this many saved states per trajectory (beyond it, every s-th step is saved).</summary>
    public const int MaxSavedStates = 20_000;

    /// <summary>
    /// The rollouts of one run: initial states (column-major), the saved times, and the true-H trajectories — the
    /// adaptive DOP853 ground truth and one per fixed-step integrator — with their artifact keys.
    /// </summary>
    internal sealed record RolloutPlan(
        RolloutSpec Spec,
        HamiltonianSystem System,
        double[][] X0,
        int SaveEvery,
        IReadOnlyList<KeyValuePair<string, string>> KeyParameters,
        string ReferenceKey,
        Trajectory Reference,
        IReadOnlyList<(Integrator Integrator, string Key, Trajectory? Trajectory, string? Failure)> Exact);

    /// <summary>Initial states: the configured ones, or drawn uniformly from the central half of the domain.</summary>
    public static double[][] RolloutStarts(RolloutSpec spec, Domain? domain) =>
        spec.Initial.Count > 0
            ? InitialConditions.FromStates(spec.Initial)
            : InitialConditions.Uniform(CentralHalf(domain!), spec.Count, spec.Seed);

    /// <summary>The box with the same centre and half the side lengths (rollouts that start there tend to stay in the domain).</summary>
    public static Domain CentralHalf(Domain domain)
    {
        static Interval Half(Interval i)
        {
            var (c, r) = ((i.Lower + i.Upper) / 2, (i.Upper - i.Lower) / 4);
            return new Interval(c - r, c + r);
        }

        return new Domain([.. domain.Q.Select(Half)], [.. domain.P.Select(Half)]);
    }

    /// <summary>Progress of one rollout in the log, at most every 5 s (none for rollouts shorter than that).</summary>
    private IProgress<double> RolloutProgress(string label) =>
        ThrottledProgress.Rollout(_log.ForContext("Stage", "rollout"), label, TimeSpan.FromSeconds(5));

    public static Integrator ParseIntegrator(string name) =>
        Integrators.TryParse(name, out var integrator) ? integrator : throw new ArgumentException($"unknown integrator '{name}'", nameof(name));

    private async Task<RolloutPlan> PrepareRolloutsAsync(PipelineSpec spec, HamiltonianSystem system, CancellationToken ct)
    {
        var r = spec.Rollout!;
        var x0 = RolloutStarts(r, spec.Domain);
        var dim = 2 * system.Dof;
        var saveEvery = Math.Max(1, (int)Math.Ceiling((double)r.Steps / MaxSavedStates));
        var times = Rollouts.SavedSteps(r.Steps, saveEvery).Select(n => n * r.Dt).ToArray();
        var systemKey = CacheKey.Compute("system", 1,
            [new("name", system.Name), .. system.Parameters.Select(p => new KeyValuePair<string, string>(p.Key, CacheKey.Canon(p.Value)))], []);
        var common = CommonRolloutParameters(r, x0, saveEvery);
        var truth = HamiltonianField.Exact(system);

        var referenceKey = CacheKey.Compute("reference", StageVersions["reference"], [.. common, new("tol", CacheKey.Canon(r.ReferenceTolerance))], [systemKey]);
        var reference = await CachedAsync("reference", referenceKey, $"true H, {x0[0].Length} initial state(s)",
            () => Task.FromResult(Rollouts.Reference(truth, x0, times, r.ReferenceTolerance, ct, RolloutProgress("true H, dop853 reference"))),
            Codecs.FromTrajectory, t => Codecs.ToTrajectory(t, dim), ct).ConfigureAwait(false);

        var exact = new List<(Integrator, string, Trajectory?, string?)>();
        foreach (var integrator in r.Integrators.Select(ParseIntegrator))
        {
            var key = CacheKey.Compute("rollout", StageVersions["rollout"], [.. common, new("integrator", integrator.ToName())], [systemKey]);
            try
            {
                var trajectory = await CachedAsync("rollout", key, $"true H, {integrator.ToName()}",
                    () => Task.FromResult(Rollouts.Integrate(truth, x0, r.Dt, r.Steps, integrator, saveEvery, ct: ct,
                        progress: RolloutProgress($"true H, {integrator.ToName()}"))),
                    Codecs.FromTrajectory, t => Codecs.ToTrajectory(t, dim), ct).ConfigureAwait(false);
                exact.Add((integrator, key, trajectory, null));
            }
            catch (Exception e) when (e is InvalidOperationException or FixedPointNotConvergedException)
            {
                // E.g. forward Euler gaining energy until the orbit escapes: a finding, not a reason to stop the run.
                _log.ForContext("Stage", "rollout").Warning("rollout true H, {Integrator}: not completed: {Reason}", integrator.ToName(), e.Message);
                exact.Add((integrator, key, null, $"the true H itself could not be integrated: {e.Message}"));
            }
        }

        return new RolloutPlan(r, system, x0, saveEvery, common, referenceKey, reference, exact);
    }

    private static List<KeyValuePair<string, string>> CommonRolloutParameters(RolloutSpec r, double[][] x0, int saveEvery) =>
    [
        new("x0", string.Join(";", x0.Select(CacheKey.Canon))),
        new("dt", CacheKey.Canon(r.Dt)),
        new("steps", CacheKey.Canon(r.Steps)),
        new("save_every", CacheKey.Canon(saveEvery)),
    ];

    /// <summary>
    /// Rolls the learned model out with every configured integrator (each a cached stage keyed by the fit) and
    /// summarises each against the true H. A rollout that cannot be completed (a step blew up, an implicit solve did
    /// not converge) is a result, not a crash: it is logged and reported with its reason.
    /// </summary>
    private async Task<IReadOnlyList<RolloutSummary>> RolloutAsync(
        RolloutPlan plan, Network network, double h0Offset, string modelKey, string label, Dictionary<string, string> keys, List<StageRecord> mine, CancellationToken ct)
    {
        var r = plan.Spec;
        var dim = plan.X0.Length;
        var learned = HamiltonianField.Learned(network);
        var truth = HamiltonianField.Exact(plan.System);
        keys["reference"] = plan.ReferenceKey;
        var summaries = new List<RolloutSummary>();
        foreach (var (integrator, exactKey, exact, exactFailure) in plan.Exact)
        {
            var name = integrator.ToName();
            var key = CacheKey.Compute("rollout", StageVersions["rollout"], [.. plan.KeyParameters, new("integrator", name)], [modelKey]);
            keys[$"rollout/{name}"] = key;
            if (exact is not null)
            {
                keys[$"exact/{name}"] = exactKey;
            }

            try
            {
                var trajectory = await CachedAsync("rollout", key, $"{label}, {name}",
                    () => Task.FromResult(Rollouts.Integrate(learned, plan.X0, r.Dt, r.Steps, integrator, plan.SaveEvery, ct: ct,
                        progress: RolloutProgress($"{label}, {name}"))),
                    Codecs.FromTrajectory, t => Codecs.ToTrajectory(t, dim), ct, mine).ConfigureAwait(false);
                var error = RolloutDiagnostics.StateError(trajectory, plan.Reference);
                var model = RolloutDiagnostics.ModelError(learned, truth, trajectory, h0Offset);
                summaries.Add(new RolloutSummary(
                    name,
                    error.MaxOverall,
                    error.Max[^1],
                    exact is null ? double.NaN : RolloutDiagnostics.StateError(trajectory, exact).MaxOverall,
                    RolloutDiagnostics.EnergyDrift(truth, trajectory).MaxRelativeOverall,
                    model.EnergyL2,
                    model.GradientL2,
                    exactFailure));
            }
            catch (Exception e) when (e is InvalidOperationException or FixedPointNotConvergedException)
            {
                keys.Remove($"rollout/{name}");
                _log.ForContext("Stage", "rollout").Warning("rollout {Label}, {Integrator}: not completed: {Reason}", label, name, e.Message);
                summaries.Add(new RolloutSummary(name, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, e.Message));
            }
        }

        return summaries;
    }

    /// <summary>Formats the rollout column of a log line.</summary>
    private static string Describe(IReadOnlyList<RolloutSummary> rollouts) =>
        string.Join(", ", rollouts.Select(s => !double.IsNaN(s.MaxStateError)
            ? $"{s.Integrator}: max state error {s.MaxStateError.ToString("0.00e+00", CultureInfo.InvariantCulture)}, energy drift {s.MaxEnergyDrift.ToString("0.00e+00", CultureInfo.InvariantCulture)}"
            : $"{s.Integrator}: failed"));
}
