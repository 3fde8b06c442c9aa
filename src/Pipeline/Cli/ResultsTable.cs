using System.Globalization;
using System.Text;
using Hnn.Pipeline.Execution;

namespace Hnn.Pipeline.Cli;

/// <summary>Plain-text results table (method, width, training time, errors).</summary>
public static class ResultsTable
{
    public static string Format(IReadOnlyList<ExperimentResult> results)
    {
        var header = new[] { "method", "width", "data seed", "model seed", "train time", "rank", "train H", "test H", "test grad H", "test x'", "cached" };
        var rows = results.Select(r => new[]
        {
            r.Method,
            r.Width.ToString(CultureInfo.InvariantCulture),
            r.DataSeed.ToString(CultureInfo.InvariantCulture),
            r.ModelSeed.ToString(CultureInfo.InvariantCulture),
            r.TrainSeconds.ToString("F2", CultureInfo.InvariantCulture) + " s",
            r.Rank < 0 ? "-" : r.Rank.ToString(CultureInfo.InvariantCulture),
            E(r.Train.H),
            E(r.Test.H),
            E(r.Test.GradH),
            E(r.Test.Dx),
            r.FromCache ? "yes" : "no",
        }).ToList();
        var sb = new StringBuilder();
        Table(sb, header, rows, leftColumns: 2);
        var groups = results.GroupBy(r => (r.Method, r.Width)).Where(g => g.Count() > 1).ToList();
        if (groups.Count > 0)
        {
            sb.AppendLine();
            sb.AppendLine("mean over seeds:");
            sb.AppendLine("method  width  runs  train time  test H (mean)  test H (min)  test H (max)");
            foreach (var g in groups)
            {
                sb.AppendLine(string.Join("  ",
                    g.Key.Method.PadRight(6),
                    g.Key.Width.ToString(CultureInfo.InvariantCulture).PadLeft(5),
                    g.Count().ToString(CultureInfo.InvariantCulture).PadLeft(4),
                    (g.Average(r => r.TrainSeconds).ToString("F2", CultureInfo.InvariantCulture) + " s").PadLeft(10),
                    E(g.Average(r => r.Test.H)).PadLeft(13),
                    E(g.Min(r => r.Test.H)).PadLeft(12),
                    E(g.Max(r => r.Test.H)).PadLeft(12)));
            }
        }

        var rolled = results.Where(r => r.Rollouts is { Count: > 0 }).ToList();
        if (rolled.Count > 0)
        {
            sb.AppendLine();
            sb.AppendLine("rollouts (state error vs the DOP853 rollout of the true H; deviation from the true H with the same integrator;");
            sb.AppendLine("max relative drift of the true H along the learned trajectory; rel. L2 errors of H and grad H along it):");
            var rh = new[] { "method", "width", "model seed", "integrator", "max state err", "at t_end", "vs true H", "energy drift", "H", "grad H" };
            var rr = rolled.SelectMany(r => r.Rollouts!.Select(o => new[]
            {
                r.Method, r.Width.ToString(CultureInfo.InvariantCulture), r.ModelSeed.ToString(CultureInfo.InvariantCulture), o.Integrator,
                o.Failure is null ? E(o.MaxStateError) : "failed", E(o.FinalStateError), E(o.MaxDeviationFromExact), E(o.MaxEnergyDrift), E(o.HError), E(o.GradHError),
            })).ToList();
            Table(sb, rh, rr, leftColumns: 4);
            foreach (var (r, o) in rolled.SelectMany(r => r.Rollouts!.Where(o => o.Failure is not null).Select(o => (r, o))))
            {
                sb.AppendLine($"  {r.Method} width {r.Width} seed {r.ModelSeed}, {o.Integrator}: {o.Failure}");
            }
        }

        return sb.ToString();
    }

    private static void Table(StringBuilder sb, string[] header, List<string[]> rows, int leftColumns)
    {
        var widths = header.Select((h, i) => Math.Max(h.Length, rows.Count == 0 ? 0 : rows.Max(r => r[i].Length))).ToArray();
        void Line(string[] cells) => sb.AppendLine(string.Join("  ", cells.Select((c, i) => i < leftColumns ? c.PadRight(widths[i]) : c.PadLeft(widths[i]))).TrimEnd());
        Line(header);
        sb.AppendLine(string.Join("  ", widths.Select(w => new string('-', w))));
        rows.ForEach(Line);
    }

    private static string E(double v) => double.IsNaN(v) ? "-" : v.ToString("0.00e+00", CultureInfo.InvariantCulture);
}
