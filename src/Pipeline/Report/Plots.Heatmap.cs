using ScottPlot;
using ScottPlot.Plottables;

namespace Hnn.Pipeline.Report;

public static partial class Plots
{
    private const int ContourCount = 6; // few enough that their labels stand apart

    /// <summary>
    /// A scalar field on a grid as colours with a colour bar and contour lines: <c>values[i, j]</c> is the value at
    /// <c>(xs[i], ys[j])</c>; xs and ys are evenly spaced and increasing. With <paramref name="log10"/> the colours
    /// follow log10 of the values (for an error map |H - H-hat|) and non-positive cells are left blank with a note.
    /// Contour lines are drawn when every cell is finite (on a log scale: one per decade, unlabelled).
    /// </summary>
    public static PlotResult Heatmap(
        string path,
        double[] xs,
        double[] ys,
        double[,] values,
        string title,
        string xLabel,
        string yLabel,
        bool log10 = false,
        string? colorLabel = null,
        bool contours = true,
        PlotSize? size = null)
    {
        var target = Target(path, size);
        var notes = new List<string>();
        var (plot, _) = HeatmapPlot(xs, ys, new HeatmapPanel(title, values, log10, colorLabel, Contours: contours), xLabel, yLabel, notes);
        return Save(plot, target, notes);
    }

    /// <summary>The plot of <see cref="Heatmap"/>, and its contour lines if any (their labels are placed when it is rendered).</summary>
    internal static (Plot Plot, FittedContourLines? Contours) HeatmapPlot(double[] xs, double[] ys, HeatmapPanel panel, string xLabel, string yLabel, List<string> notes)
    {
        ValidateGrid(xs, ys);
        ValidatePanel(panel, xs, ys, 0);
        var plot = NewPlot(panel.Title ?? "", xLabel, yLabel);
        return (plot, DrawPanel(plot, xs, ys, panel, notes));
    }

    /// <summary>
    /// Several heatmaps of fields on the same grid side by side in one PNG (default size <see cref="PlotSize.Wide"/>),
    /// e.g. true H | learned H | error. Notes name the panel they come from.
    /// </summary>
    public static PlotResult HeatmapPanels(
        string path,
        double[] xs,
        double[] ys,
        string xLabel,
        string yLabel,
        IReadOnlyList<HeatmapPanel> panels,
        PlotSize? size = null)
    {
        var target = Target(path, size ?? PlotSize.Wide);
        ValidateGrid(xs, ys);
        ArgumentNullException.ThrowIfNull(panels);
        if (panels.Count == 0)
        {
            throw new ArgumentException("at least one heatmap panel is needed", nameof(panels));
        }

        for (int k = 0; k < panels.Count; k++)
        {
            ValidatePanel(panels[k], xs, ys, k);
        }

        var multiplot = new Multiplot();
        multiplot.AddPlots(panels.Count);
        multiplot.Layout = new ScottPlot.MultiplotLayouts.Columns();
        var notes = new List<string>();
        for (int k = 0; k < panels.Count; k++)
        {
            var plot = multiplot.GetPlot(k);
            Style(plot);
            plot.Title(panels[k].Title ?? "");
            plot.XLabel(xLabel ?? "");
            plot.YLabel(yLabel ?? "");
            var panelNotes = new List<string>();
            DrawPanel(plot, xs, ys, panels[k], panelNotes);
            if (panels.Count > 1 && xs[^1] - xs[0] > 0 && NearSquare(xs[^1] - xs[0], ys[^1] - ys[0]))
            {
                // Maps of one plane side by side: equal aspect, like the phase portraits. Not for an elongated plane
                // (e.g. the pendulum's q in [-2pi, 2pi], p in [-1, 1]): at equal aspect it is a thin strip in an
                // empty square; there the map fills the panel and the tick labels give the scale.
                plot.Axes.SquareUnits();
            }

            AddNotes(plot, panelNotes);
            notes.AddRange(panelNotes.Select(n => $"{panels[k].Title}: {n}"));
        }

        WriteAtomically(target.Path, tmp => multiplot.SavePng(tmp, target.Size.Width, target.Size.Height));
        return new PlotResult(target.Path, target.Size.Width, target.Size.Height, notes.ToArray());
    }

    /// <summary>Whether a plane of these side lengths is drawn at equal aspect: sides within a factor <see cref="MaxSquareAspect"/>.</summary>
    internal static bool NearSquare(double width, double height) =>
        width > 0 && height > 0 && Math.Max(width / height, height / width) <= MaxSquareAspect;

    /// <summary>The largest side ratio of a map drawn at equal aspect (3: [-5, 5] x [-2, 2] yes, [-2pi, 2pi] x [-1, 1] no).</summary>
    internal const double MaxSquareAspect = 3;

    /// <summary>
    /// The usual comparison in one PNG: true H | learned H (same colour range) | |H - learned H| on a log colour
    /// scale. Both fields are on the grid of <see cref="Heatmap"/>.
    /// </summary>
    public static PlotResult TrueLearnedError(
        string path,
        double[] xs,
        double[] ys,
        double[,] trueH,
        double[,] learnedH,
        string xLabel = "q",
        string yLabel = "p",
        PlotSize? size = null)
    {
        ArgumentNullException.ThrowIfNull(trueH);
        ArgumentNullException.ThrowIfNull(learnedH);
        if (trueH.GetLength(0) != learnedH.GetLength(0) || trueH.GetLength(1) != learnedH.GetLength(1))
        {
            throw new ArgumentException(
                $"true H is {trueH.GetLength(0)}x{trueH.GetLength(1)} but learned H is {learnedH.GetLength(0)}x{learnedH.GetLength(1)}",
                nameof(learnedH));
        }

        var error = new double[trueH.GetLength(0), trueH.GetLength(1)];
        for (int i = 0; i < error.GetLength(0); i++)
        {
            for (int j = 0; j < error.GetLength(1); j++)
            {
                error[i, j] = Math.Abs(trueH[i, j] - learnedH[i, j]);
            }
        }

        var range = LogAxis.Extend(LogAxis.Extend(LogAxis.EmptyRange, trueH.Cast<double>()), learnedH.Cast<double>());
        (double, double)? shared = range.Max > range.Min ? range : null;
        return HeatmapPanels(
            path,
            xs,
            ys,
            xLabel,
            yLabel,
            [
                new HeatmapPanel("true H", trueH, ColorLabel: "H", ColorRange: shared),
                new HeatmapPanel("learned Ĥ", learnedH, ColorLabel: "Ĥ", ColorRange: shared),
                new HeatmapPanel("error |H − Ĥ|", error, Log10: true, ColorLabel: "|H − Ĥ|", ColorRange: MeaningfulErrorRange(error)),
            ],
            size);
    }

    /// <summary>
    /// The colour range of an error map on a log scale: from 1e-3 of the errors' 5th percentile to their maximum, so
    /// that a few cells at round-off (1e-16) do not stretch the scale over ten empty decades. Null when fewer than two
    /// positive finite errors exist (then the data's own range is used).
    /// </summary>
    public static (double Min, double Max)? MeaningfulErrorRange(double[,] error)
    {
        ArgumentNullException.ThrowIfNull(error);
        var positive = error.Cast<double>().Where(e => e > 0 && double.IsFinite(e)).Order().ToArray();
        if (positive.Length < 2)
        {
            return null;
        }

        var p5 = positive[(int)Math.Floor(0.05 * (positive.Length - 1))];
        var (lo, hi) = (Math.Max(positive[0], 1e-3 * p5), positive[^1]);
        return hi > lo ? (lo, hi) : null;
    }

    /// <summary>
    /// About <paramref name="target"/> contour levels strictly inside (min, max) at round values: the multiples of a
    /// step of 1, 2, 2.5, 5 or 10 times the power of ten below (max - min) / target, the step giving the count nearest
    /// to the target.
    /// </summary>
    public static double[] NiceLevels(double min, double max, int target)
    {
        if (!(double.IsFinite(min) && double.IsFinite(max) && max > min) || target < 1)
        {
            return [];
        }

        var raw = (max - min) / target;
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        (long First, long Count) Levels(double step)
        {
            var first = (long)Math.Floor(min / step) + 1;
            var last = (long)Math.Ceiling(max / step) - 1;
            return (first, Math.Max(0, last - first + 1));
        }

        // The step whose number of levels is closest to the target (on a tie the larger step).
        var step = new[] { 10.0, 5, 2.5, 2, 1 }.Select(m => m * magnitude).MinBy(v => Math.Abs(Levels(v).Count - target));
        var (from, count) = Levels(step);
        return [.. Enumerable.Range(0, (int)count).Select(k => (from + k) * step)];
    }

    private static void ValidateGrid(double[] xs, double[] ys)
    {
        ValidateAxis(xs, nameof(xs));
        ValidateAxis(ys, nameof(ys));
    }

    private static void ValidateAxis(double[] a, string name)
    {
        ArgumentNullException.ThrowIfNull(a, name);
        if (a.Length < 2)
        {
            throw new ArgumentException($"{name} needs at least 2 grid points; got {a.Length}", name);
        }

        double step = (a[^1] - a[0]) / (a.Length - 1);
        if (!double.IsFinite(step) || step <= 0)
        {
            throw new ArgumentException($"{name} must be finite and increasing; got {a[0]} .. {a[^1]}", name);
        }

        for (int i = 1; i < a.Length; i++)
        {
            double expected = a[0] + (i * step);
            if (!(Math.Abs(a[i] - expected) <= 1e-6 * Math.Abs(step) * a.Length))
            {
                throw new ArgumentException(
                    $"{name} must be evenly spaced (a heatmap draws equal cells): {name}[{i}] = {a[i]}, expected {expected}", name);
            }
        }
    }

    private static void ValidatePanel(HeatmapPanel panel, double[] xs, double[] ys, int index)
    {
        if (panel is null || panel.Values is null)
        {
            throw new ArgumentException($"heatmap panel {index} or its values is null", nameof(panel));
        }

        if (panel.Values.GetLength(0) != xs.Length || panel.Values.GetLength(1) != ys.Length)
        {
            throw new ArgumentException(
                $"heatmap '{panel.Title}': values are {panel.Values.GetLength(0)}x{panel.Values.GetLength(1)} but the grid is " +
                $"{xs.Length} xs by {ys.Length} ys (values[i, j] is the value at (xs[i], ys[j]))",
                nameof(panel));
        }

        if (panel.ColorRange is { } r && !(double.IsFinite(r.Min) && double.IsFinite(r.Max) && r.Max > r.Min))
        {
            throw new ArgumentException($"heatmap '{panel.Title}': colour range must be finite with max > min; got {r}", nameof(panel));
        }

        if (panel.Log10 && panel.ColorRange is { Min: <= 0 })
        {
            throw new ArgumentException($"heatmap '{panel.Title}': a log colour range must be positive; got {panel.ColorRange}", nameof(panel));
        }
    }

    private static FittedContourLines? DrawPanel(Plot plot, double[] xs, double[] ys, HeatmapPanel panel, List<string> notes)
    {
        int nx = xs.Length;
        int ny = ys.Length;

        // ScottPlot's intensities are [row, column] with row 0 at the top.
        var intensities = new double[ny, nx];
        int nonFinite = 0;
        int nonPositive = 0;
        for (int i = 0; i < nx; i++)
        {
            for (int j = 0; j < ny; j++)
            {
                double v = panel.Values[i, j];
                double c = v;
                if (!double.IsFinite(v))
                {
                    nonFinite++;
                    c = double.NaN;
                }
                else if (panel.Log10)
                {
                    if (v <= 0)
                    {
                        nonPositive++;
                        c = double.NaN;
                    }
                    else
                    {
                        c = Math.Log10(v);
                    }
                }

                intensities[ny - 1 - j, i] = c;
            }
        }

        int cells = nx * ny;
        if (nonFinite > 0)
        {
            notes.Add($"{nonFinite} of {cells} cells not finite, left blank");
        }

        if (nonPositive > 0)
        {
            notes.Add($"{nonPositive} of {cells} cells <= 0 left blank (log scale)");
        }

        var range = LogAxis.Extend(LogAxis.EmptyRange, intensities.Cast<double>());
        if (!(range.Max >= range.Min))
        {
            notes.Add("no finite values to draw");
            plot.Axes.SetLimits(xs[0], xs[^1], ys[0], ys[^1]);
            return null;
        }

        var heatmap = plot.Add.Heatmap(intensities);
        heatmap.Extent = new CoordinateRect(xs[0], xs[^1], ys[0], ys[^1]);
        heatmap.CellAlignment = Alignment.MiddleCenter; // cell centres on the grid points
        heatmap.Colormap = new ScottPlot.Colormaps.Viridis();
        heatmap.NaNCellColor = Colors.Transparent;
        if (panel.ColorRange is { } fixedRange)
        {
            heatmap.ManualRange = panel.Log10
                ? new ScottPlot.Range(Math.Log10(fixedRange.Min), Math.Log10(fixedRange.Max))
                : new ScottPlot.Range(fixedRange.Min, fixedRange.Max);
        }
        else if (range.Max == range.Min)
        {
            heatmap.ManualRange = new ScottPlot.Range(range.Min - 0.5, range.Max + 0.5); // a constant field
        }

        var colorBar = plot.Add.ColorBar(heatmap);
        colorBar.Label = panel.ColorLabel ?? "";
        if (panel.Log10)
        {
            LogAxis.UseLogTicks(colorBar.Axis);
        }

        return panel.Contours && nonFinite + nonPositive == 0 && range.Max > range.Min
            ? AddContours(plot, xs, ys, intensities, range, panel.Log10)
            : null;
    }

    private static FittedContourLines? AddContours(Plot plot, double[] xs, double[] ys, double[,] intensities, (double Min, double Max) range, bool log10)
    {
        int nx = xs.Length;
        int ny = ys.Length;
        var points = new Coordinates3d[ny, nx];
        for (int i = 0; i < nx; i++)
        {
            for (int j = 0; j < ny; j++)
            {
                points[ny - 1 - j, i] = new Coordinates3d(xs[i], ys[j], intensities[ny - 1 - j, i]);
            }
        }

        // Labels only where they fit inside the map (FittedContourLines), not cut off at its edge or a short line's end.
        var contours = new FittedContourLines
        {
            Extent = new CoordinateRect(xs[0], xs[^1], ys[0], ys[^1]),
            LineColor = Colors.White.WithAlpha(0.7),
            LineWidth = 1,
        };

        // On a log scale: one line per decade, unlabelled (the colour bar names the decades).
        double[] decades = log10
            ? Enumerable.Range((int)Math.Ceiling(range.Min), Math.Max(0, (int)Math.Floor(range.Max) - (int)Math.Ceiling(range.Min) + 1))
                .Select(k => (double)k).ToArray()
            : [];
        if (log10 && decades.Length == 0)
        {
            return null;
        }

        if (log10)
        {
            contours.ContourLineLevels = decades;
            contours.LabelStyle.IsVisible = false;
        }
        else
        {
            var levels = NiceLevels(range.Min, range.Max, ContourCount);
            if (levels.Length == 0)
            {
                return null;
            }

            contours.ContourLineLevels = levels; // round values, so the labels read 20, 40, ... not 36.405
        }

        contours.Update(points);
        plot.Add.Plottable(contours);
        return contours;
    }
}
