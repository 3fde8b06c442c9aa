using System.Globalization;
using System.Text;
using Hnn.Pipeline.Execution;

namespace Hnn.Pipeline.Cli;

/// <summary>A captioned table of strings (the plain-text results and the report share these).</summary>
public sealed record TextTable(string Caption, string[] Header, List<string[]> Rows, int LeftColumns);

/// <summary>Plain-text results tables: one row per experiment, means over seeds, rollouts.</summary>
public static class ResultsTable
{
    public static string Format(IReadOnlyList<ExperimentResult> results)
    {
        var sb = new StringBuilder();
        foreach (var (t, i) in Tables(results).Select((t, i) => (t, i)))
        {
            if (i > 0)
            {
                sb.AppendLine();
            }

            if (t.Caption.Length > 0)
            {
                sb.AppendLine(t.Caption);
            }

            Render(sb, t);
        }

        foreach (var (r, o) in results.SelectMany(r => (r.Rollouts ?? []).Where(o => o.Failure is not null).Select(o => (r, o))))
        {
            sb.AppendLine($"  {r.Method} width {r.Width} seed {r.ModelSeed}, {o.Integrator}: {o.Failure}");
        }

        return sb.ToString();
    }

    /// <summary>The experiments table, then (if any) means over seeds and the rollout table.</summary>
    public static IReadOnlyList<TextTable> Tables(IReadOnlyList<ExperimentResult> results)
    {
        var tables = new List<TextTable>
        {
            new(string.Empty,
                ["method", "width", "data seed", "model seed", "train time", "rank", "train H", "test H", "test grad H", "test x'", "cached"],
                [.. results.Select(r => new[]
                {
                    r.Method,
                    I(r.Width),
                    r.DataSeed.ToString(CultureInfo.InvariantCulture),
                    r.ModelSeed.ToString(CultureInfo.InvariantCulture),
                    Seconds(r.TrainSeconds),
                    r.Rank < 0 ? "-" : I(r.Rank),
                    E(r.Train.H),
                    E(r.Test.H),
                    E(r.Test.GradH),
                    E(r.Test.Dx),
                    r.FromCache ? "yes" : "no",
                })],
                2),
        };

        var groups = results.GroupBy(r => (r.Method, r.Width)).Where(g => g.Count() > 1).ToList();
        if (groups.Count > 0)
        {
            tables.Add(new("mean over seeds:",
                ["method", "width", "runs", "train time", "test H (mean)", "test H (min)", "test H (max)"],
                [.. groups.Select(g => new[]
                {
                    g.Key.Method, I(g.Key.Width), I(g.Count()), Seconds(g.Average(r => r.TrainSeconds)),
                    E(g.Average(r => r.Test.H)), E(g.Min(r => r.Test.H)), E(g.Max(r => r.Test.H)),
                })],
                2));
        }

        var trajectories = results.Where(r => r.Trajectory is not null).ToList();
        if (trajectories.Count > 0)
        {
            tables.Add(new(
                "Trajectories (test H: rel. L2 error on uniform test points, learned function and corrected H; the regularisation\n" +
                "used (auto: chosen); held-out test trajectories' rollout error, learned and true H; median sd of H and coverage of\n" +
                "H ± 1.96 sd on the test points; invariant drift: Kepler L and |A|, FPUT mode-energy fractions):",
                ["method", "width", "model seed", "target", "H uncorr.", "H corr.", "regularisation", "rollout err", "true H", "median sd", "coverage", "invariant", "|A|"],
                [.. trajectories.Select(r =>
                {
                    var t = r.Trajectory!;
                    return new[]
                    {
                        r.Method, I(r.Width), r.ModelSeed.ToString(CultureInfo.InvariantCulture), t.Target, E(t.TestHUncorrected), E(t.TestHCorrected),
                        $"{t.Regularisation} {E(t.RegularisationValue)}{(t.Criterion is null ? "" : $" ({t.Criterion})")}",
                        t.RolloutFailure is null ? E(t.RolloutError) : "failed", E(t.ExactRolloutError), E(t.MedianSd),
                        double.IsNaN(t.Coverage95) ? "-" : t.Coverage95.ToString("P1", CultureInfo.InvariantCulture), E(t.InvariantDrift), E(t.InvariantDrift2),
                    };
                })],
                4));
        }

        var rolled = results.Where(r => r.Rollouts is { Count: > 0 }).ToList();
        if (rolled.Count > 0)
        {
            tables.Add(new(
                "rollouts (state error vs the DOP853 rollout of the true H; deviation from the true H with the same integrator;\n" +
                "max relative drift of the true H along the learned trajectory; rel. L2 errors of H and grad H along it):",
                ["method", "width", "model seed", "integrator", "max state err", "at t_end", "vs true H", "energy drift", "H", "grad H"],
                [.. rolled.SelectMany(r => r.Rollouts!.Select(o => new[]
                {
                    r.Method, I(r.Width), r.ModelSeed.ToString(CultureInfo.InvariantCulture), o.Integrator,
                    o.Failure is not null && double.IsNaN(o.MaxStateError) ? "failed" : E(o.MaxStateError), E(o.FinalStateError), E(o.MaxDeviationFromExact),
                    E(o.MaxEnergyDrift), E(o.HError), E(o.GradHError),
                }))],
                4));
        }

        return tables;
    }

    private static void Render(StringBuilder sb, TextTable t)
    {
        var widths = t.Header.Select((h, i) => Math.Max(h.Length, t.Rows.Count == 0 ? 0 : t.Rows.Max(r => r[i].Length))).ToArray();
        void Line(string[] cells) => sb.AppendLine(string.Join("  ", cells.Select((c, i) => i < t.LeftColumns ? c.PadRight(widths[i]) : c.PadLeft(widths[i]))).TrimEnd());
        Line(t.Header);
        sb.AppendLine(string.Join("  ", widths.Select(w => new string('-', w))));
        t.Rows.ForEach(Line);
    }

    private static string I(int v) => v.ToString(CultureInfo.InvariantCulture);

    private static string Seconds(double s) => s.ToString("F2", CultureInfo.InvariantCulture) + " s";

    private static string E(double v) => double.IsNaN(v) ? "-" : v.ToString("0.00e+00", CultureInfo.InvariantCulture);
}
