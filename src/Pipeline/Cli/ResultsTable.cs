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
            r.Rank.ToString(CultureInfo.InvariantCulture),
            E(r.Train.H),
            E(r.Test.H),
            E(r.Test.GradH),
            E(r.Test.Dx),
            r.FromCache ? "yes" : "no",
        }).ToList();
        var widths = header.Select((h, i) => Math.Max(h.Length, rows.Count == 0 ? 0 : rows.Max(r => r[i].Length))).ToArray();
        var sb = new StringBuilder();
        void Line(string[] cells) => sb.AppendLine(string.Join("  ", cells.Select((c, i) => i < 2 ? c.PadRight(widths[i]) : c.PadLeft(widths[i]))).TrimEnd());
        Line(header);
        sb.AppendLine(string.Join("  ", widths.Select(w => new string('-', w))));
        rows.ForEach(Line);
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

        return sb.ToString();
    }

    private static string E(double v) => double.IsNaN(v) ? "-" : v.ToString("0.00e+00", CultureInfo.InvariantCulture);
}
