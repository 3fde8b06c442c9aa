using System.Globalization;
using ScottPlot;

namespace Hnn.Pipeline.Report;

/// <summary>
/// Log scales the ScottPlot 5 way: the data are plotted as log10 and the axis gets a <see cref="LogTickGenerator"/>,
/// whose labels name the values the log10 coordinates stand for.
/// </summary>
internal static class LogAxis
{
    public static (double Min, double Max) EmptyRange => (double.PositiveInfinity, double.NegativeInfinity);

    public static (double Min, double Max) Extend((double Min, double Max) range, IEnumerable<double> values)
    {
        foreach (double v in values)
        {
            if (double.IsFinite(v))
            {
                range = (Math.Min(range.Min, v), Math.Max(range.Max, v));
            }
        }

        return range;
    }

    /// <summary>Sets log ticks on <paramref name="axis"/>, whose coordinates are log10 of the data.</summary>
    public static void UseLogTicks(IAxis axis) => axis.TickGenerator = new LogTickGenerator();

    /// <summary>Label for the tick at log10 value <paramref name="exponent"/> (an integer): 0.001 .. 1000, else 1e-5, 1e6.</summary>
    public static string PowerOfTen(double exponent)
    {
        int k = (int)Math.Round(exponent);
        return Math.Abs(k) <= 3
            ? Math.Pow(10, k).ToString(CultureInfo.InvariantCulture)
            : "1e" + k.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Ticks for nice values in <c>[10^min, 10^max]</c> when the range spans less than a decade: steps of 1, 2 or 5
    /// times a power of ten, about <paramref name="count"/> of them; returns (log10 position, label) pairs.
    /// </summary>
    public static IEnumerable<(double Position, string Label)> LinearTicks(double min, double max, int count)
    {
        double lo = Math.Pow(10, min);
        double hi = Math.Pow(10, max);
        double raw = (hi - lo) / Math.Max(1, count);
        if (!(raw > 0) || !double.IsFinite(raw))
        {
            yield break;
        }

        double magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        double ratio = raw / magnitude;
        double step = magnitude * (ratio < 1.5 ? 1 : ratio < 3.5 ? 2 : ratio < 7.5 ? 5 : 10);
        for (double n = Math.Ceiling(lo / step); n * step <= hi; n++)
        {
            double v = n * step;
            if (v > 0)
            {
                yield return (Math.Log10(v), v.ToString("G6", CultureInfo.InvariantCulture));
            }
        }
    }
}

/// <summary>
/// Ticks for an axis whose coordinates are log10 of the data. Over a decade or more: major ticks at powers of ten
/// (every k-th power when they would crowd) with minor ticks at 2..9 times each; under a decade: round values
/// (1, 2 or 5 times a power of ten apart). Labels show the data values, not their logs.
/// </summary>
internal sealed class LogTickGenerator : ITickGenerator
{
    public Tick[] Ticks { get; set; } = [];

    public int MaxTickCount { get; set; } = 10_000;

    public void Regenerate(CoordinateRange range, Edge edge, PixelLength size, Paint paint, LabelStyle labelStyle)
    {
        double min = Math.Min(range.Min, range.Max);
        double max = Math.Max(range.Min, range.Max);
        if (!double.IsFinite(min) || !double.IsFinite(max) || max - min > 600)
        {
            Ticks = [];
            return;
        }

        float spacing = edge is Edge.Left or Edge.Right ? 30 : 60; // pixels between major labels
        int maxMajor = Math.Max(2, (int)(size.Length / spacing));
        var ticks = new List<Tick>();
        int first = (int)Math.Ceiling(min);
        int last = (int)Math.Floor(max);
        if (last - first >= 1)
        {
            int stride = Math.Max(1, (int)Math.Ceiling((last - first + 1) / (double)maxMajor));
            for (int k = (int)Math.Floor(min); k <= last; k++)
            {
                if (k >= first && k % stride == 0)
                {
                    ticks.Add(Tick.Major(k, LogAxis.PowerOfTen(k)));
                }

                if (stride == 1)
                {
                    for (int m = 2; m <= 9; m++)
                    {
                        double p = k + Math.Log10(m);
                        if (p >= min && p <= max)
                        {
                            ticks.Add(Tick.Minor(p));
                        }
                    }
                }
            }
        }
        else
        {
            ticks.AddRange(LogAxis.LinearTicks(min, max, Math.Min(6, maxMajor)).Select(t => Tick.Major(t.Position, t.Label)));
        }

        Ticks = ticks.Take(MaxTickCount).ToArray();
    }
}
