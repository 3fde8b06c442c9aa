using Hnn.Datasets;
using Hnn.Stages.Rollout;

namespace Hnn.Pipeline.Config;

/// <summary>
/// <c>rollout:</c> — trajectories of every learned model and of the true H. Defaults (the classic examples'): the
/// system's <see cref="HamiltonianSystem.DefaultRolloutStart"/> (else <see cref="DefaultCount"/> states drawn from the
/// domain), seed 0, dt 1e-2, 2000 steps, symplectic Euler and forward Euler, DOP853 reference to 1e-12. Integrators are
/// parsed here, once, into <see cref="Integrator"/> values; their config names stay the YAML and output form.
/// </summary>
internal static class RolloutSection
{
    public static readonly string[] Keys = ["initial", "count", "seed", "dt", "steps", "t_end", "integrators", "reference_tol"];

    public const double DefaultDt = 1e-2;

    public const int DefaultSteps = 2000;

    public const int DefaultCount = 3;

    public const ulong DefaultSeed = 0;

    public const double DefaultReferenceTolerance = 1e-12;

    public static IReadOnlyList<Integrator> DefaultIntegrators { get; } = [Integrator.SymplecticEuler, Integrator.Euler];

    public const int MaxSteps = 10_000_000;

    /// <summary>The section, or null when the pipeline has none (`rollout:` with nothing after it means all defaults).</summary>
    public static RolloutSpec? Read(SpecReader r, MapNode root, HamiltonianSystem? system)
    {
        if (root["rollout"] is null)
        {
            return null;
        }

        var map = r.Map(root, "rollout", "rollout", required: false);
        if (map is null)
        {
            if (root["rollout"] is not ScalarNode { Value: null })
            {
                return null;
            }

            map = new MapNode(root.Source, []);
        }

        r.CheckKeys(map, "rollout", Keys);
        var initial = Initial(r, map);
        var count = (int)(r.Integer(map["count"], "rollout.count", 1, 100_000) ?? 0);
        if (map["initial"] is not null && map["count"] is not null)
        {
            r.Problem("rollout.count", "give either rollout.initial (states) or rollout.count (states drawn from the domain), not both");
        }

        if (map["initial"] is null && map["count"] is null)
        {
            if (system?.DefaultRolloutStart is { } start)
            {
                initial.Add(start);
            }
            else
            {
                count = DefaultCount;
            }
        }

        var seed = (ulong)(r.Integer(map["seed"], "rollout.seed", 0, long.MaxValue) ?? (long)DefaultSeed);
        var dt = r.Double(map["dt"], "rollout.dt") ?? DefaultDt;
        if (!(dt > 0))
        {
            r.Problem("rollout.dt", $"{SpecReader.Format(dt)} is not allowed: must be > 0 (default {SpecReader.Format(DefaultDt)})");
            dt = DefaultDt;
        }

        var steps = Steps(r, map, dt);
        SpecLimits.Rollout(r, dt, steps, map["dt"] is not null);
        var integrators = Integrators(r, map);
        var tol = r.Double(map["reference_tol"], "rollout.reference_tol") ?? DefaultReferenceTolerance;
        if (tol is <= 0 or >= 1)
        {
            r.Problem("rollout.reference_tol", $"{SpecReader.Format(tol)} is not allowed: must be in (0, 1) (default {SpecReader.Format(DefaultReferenceTolerance)})");
        }

        return new RolloutSpec(initial, count, seed, dt, steps, integrators, tol);
    }

    private static List<double[]> Initial(SpecReader r, MapNode map)
    {
        var initial = new List<double[]>();
        if (map["initial"] is not { } node)
        {
            return initial;
        }

        r.NotEmpty(node, "rollout.initial", "state (q1..qd, p1..pd), e.g. [[1.5, 0]]");
        var listed = new List<(ConfigNode?, int, double[])>();
        foreach (var (item, i) in r.ListOfLists(node).Select((n, i) => (n, i)))
        {
            var values = r.OneOrMany(item).Select((n, j) => r.Double(n, $"rollout.initial[{i}][{j}]") is { } v && SpecLimits.Coordinate(r, v, $"rollout.initial[{i}][{j}]") ? v : double.NaN).ToArray();

            // Kept whatever its length: PipelineRules checks it against the degrees of freedom.
            if (values.Length != 0 && values.All(double.IsFinite))
            {
                initial.Add(values);
                listed.Add((item, i, values));
            }
        }

        Repeats.Check(r, "rollout.initial", listed, v => $"[{string.Join(", ", v.Select(SpecReader.Format))}]", "state", Repeats.Sequence);

        return initial;
    }

    private static int Steps(SpecReader r, MapNode map, double dt)
    {
        var steps = (int)(r.Integer(map["steps"], "rollout.steps", 1, MaxSteps) ?? DefaultSteps);
        if (map["t_end"] is not { } tEndNode)
        {
            return steps;
        }

        if (map["steps"] is not null)
        {
            r.Problem("rollout.t_end", "give either rollout.steps or rollout.t_end, not both");
        }

        var tEnd = r.Double(tEndNode, "rollout.t_end");
        if (tEnd is null)
        {
            return steps;
        }

        var n = Math.Round(tEnd.Value / dt);
        if (!(tEnd > 0) || Math.Abs((n * dt) - tEnd.Value) > 1e-9 * tEnd.Value || n > MaxSteps)
        {
            r.Problem("rollout.t_end", $"{SpecReader.Format(tEnd.Value)} is not allowed: must be > 0 and a whole number of steps of rollout.dt = {SpecReader.Format(dt)} (at most 1e7 steps)");
            return steps;
        }

        return (int)n;
    }

    private static List<Integrator> Integrators(SpecReader r, MapNode map)
    {
        r.NotEmpty(map["integrators"], "rollout.integrators", "integrator");
        var integrators = new List<Integrator>();
        var listed = new List<(ConfigNode?, int, (Integrator Integrator, string Written))>();
        foreach (var (n, i) in r.OneOrMany(map["integrators"]).Select((n, i) => (n, i)))
        {
            var name = (n as ScalarNode)?.Value?.Trim() ?? string.Empty;
            if (Hnn.Stages.Rollout.Integrators.TryParse(name, out var integrator))
            {
                listed.Add((n, i, (integrator, name)));
                if (!integrators.Contains(integrator))
                {
                    integrators.Add(integrator);
                }
            }
            else
            {
                r.NotOneOf(n, name, $"rollout.integrators[{i}]", "an integrator", Hnn.Stages.Rollout.Integrators.Names);
            }
        }

        Repeats.Check(r, "rollout.integrators", listed, x => string.Equals(x.Written, x.Integrator.ToName(), StringComparison.Ordinal) ? x.Integrator.ToName() : $"'{Shown.Cut(x.Written)}' ({x.Integrator.ToName()})", "integrator",
            EqualityComparer<(Integrator Integrator, string Written)>.Create((a, b) => a.Integrator == b.Integrator, x => x.Integrator.GetHashCode()));
        if (map["integrators"] is null)
        {
            integrators.AddRange(DefaultIntegrators);
        }

        return integrators;
    }

    public static object? ToJson(RolloutSpec? r) =>
        r is null ? null : new { r.Initial, r.Count, r.Seed, r.Dt, r.Steps, r.Integrators, r.ReferenceTolerance };
}
