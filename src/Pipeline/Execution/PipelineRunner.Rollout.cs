using System.Globalization;
using Hnn.Datasets;
using Hnn.Pipeline.Config;
using Hnn.Pipeline.Planning;
using Hnn.Stages.Model;
using Hnn.Stages.Rollout;

namespace Hnn.Pipeline.Execution;

/// <summary>Rollout stages: the true-H trajectories once per run, each learned model's per experiment.</summary>
public sealed partial class PipelineRunner
{
    /// <summary>At most this many saved states per trajectory (beyond it, every s-th step is saved).</summary>
    public const int MaxSavedStates = RunPlan.MaxSavedStates;

    /// <summary>
    /// The true-H rollouts of one run, computed: the adaptive DOP853 ground truth and one trajectory per fixed-step
    /// integrator (null with the reason when the true H itself could not be integrated), for the plan's nodes.
    /// </summary>
    internal sealed record RolloutTruth(
        TruthPlan Plan,
        Trajectory Reference,
        IReadOnlyList<(Integrator Integrator, Trajectory? Trajectory, string? Failure)> Exact);

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

    private async Task<RolloutTruth> PrepareRolloutsAsync(TruthPlan plan, CancellationToken ct)
    {
        var r = plan.Spec;
        var x0 = plan.X0;
        var dim = 2 * plan.System.Dof;
        var times = Rollouts.SavedSteps(r.Steps, plan.SaveEvery).Select(n => n * r.Dt).ToArray();
        var truth = HamiltonianField.Exact(plan.System);

        var reference = await CachedAsync(plan.Reference, plan.Reference.Label,
            () => Task.FromResult(Rollouts.Reference(truth, x0, times, r.ReferenceTolerance, ct, RolloutProgress("true H, dop853 reference"))), dim, ct).ConfigureAwait(false);

        var exact = new List<(Integrator, Trajectory?, string?)>();
        foreach (var (integrator, node) in plan.Exact)
        {
            try
            {
                var trajectory = await CachedAsync(node, node.Label,
                    () => Task.FromResult(Rollouts.Integrate(truth, x0, r.Dt, r.Steps, integrator, plan.SaveEvery, ct: ct,
                        progress: RolloutProgress($"true H, {integrator.ToName()}"))), dim, ct).ConfigureAwait(false);
                exact.Add((integrator, trajectory, null));
            }
            catch (Exception e) when (e is InvalidOperationException or FixedPointNotConvergedException)
            {
                // E.g. forward Euler gaining energy until the orbit escapes: a finding, not a reason to stop the run.
                _log.ForContext("Stage", "rollout").Warning("rollout true H, {Integrator}: not completed: {Reason}", integrator.ToName(), e.Message);
                exact.Add((integrator, null, $"the true H itself could not be integrated: {e.Message}"));
            }
        }

        return new RolloutTruth(plan, reference, exact);
    }

    /// <summary>
    /// Rolls the learned model out with every configured integrator (each a cached node keyed by the model) and
    /// summarises each against the true H. A rollout that cannot be completed (a step blew up, an implicit solve did
    /// not converge) is a result, not a crash: it is logged and reported with its reason.
    /// </summary>
    private async Task<IReadOnlyList<RolloutSummary>> RolloutAsync(
        RolloutTruth truthRun, ExperimentPlan experiment, Network network, double h0Offset, string label, Dictionary<string, string> keys, List<StageRecord> mine, CancellationToken ct)
    {
        var plan = truthRun.Plan;
        var r = plan.Spec;
        var dim = plan.X0.Length;
        var learned = HamiltonianField.Learned(network);
        var truth = HamiltonianField.Exact(plan.System);
        keys[ExperimentKeys.Reference] = plan.Reference.Key;
        var summaries = new List<RolloutSummary>();
        for (var i = 0; i < experiment.Rollouts.Count; i++)
        {
            var node = experiment.Rollouts[i];
            var (integrator, exact, exactFailure) = truthRun.Exact[i];
            var name = integrator.ToName();
            keys[ExperimentKeys.Rollout(name)] = node.Node.Key;
            if (exact is not null)
            {
                keys[ExperimentKeys.Exact(name)] = node.Exact.Key;
            }

            try
            {
                var trajectory = await CachedAsync(node.Node, $"{label}, {name}",
                    () => Task.FromResult(Rollouts.Integrate(learned, plan.X0, r.Dt, r.Steps, integrator, plan.SaveEvery, ct: ct,
                        progress: RolloutProgress($"{label}, {name}"))), dim, ct, mine).ConfigureAwait(false);
                var error = RolloutDiagnostics.StateError(trajectory, truthRun.Reference);
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
                keys.Remove(ExperimentKeys.Rollout(name));
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
