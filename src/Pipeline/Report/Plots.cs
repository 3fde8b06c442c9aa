using ScottPlot;
using ScottPlot.Plottables;
using SkiaSharp;

namespace Hnn.Pipeline.Report;

/// <summary>
/// Plots for the run report, drawn with ScottPlot 5: each function takes plain arrays, writes one PNG (title,
/// axis labels, legend) and returns a <see cref="PlotResult"/>. Points that cannot be drawn (NaN, infinite, or
/// not positive on a log axis) are left out and named in <see cref="PlotResult.Notes"/> and on the plot; bad
/// arguments (mismatched lengths, a path not ending in .png, a bad size) throw with a message that names them.
/// <para>
/// Rendering is headless (SkiaSharp's Linux build without dependencies). Text needs a font file under
/// /usr/share/fonts (e.g. Debian's fonts-dejavu-core); without one the plots are still written but carry no
/// text, and <see cref="TextFont"/> is null.
/// </para>
/// </summary>
public static partial class Plots
{
    private static readonly string[] PreferredFonts = ["DejaVu Sans", "Liberation Sans", "Noto Sans", "FreeSans"];

    private static readonly Lazy<string?> Font = new(PickFont);

    /// <summary>The font family used for text, or null when no font is installed (text would be blank).</summary>
    public static string? TextFont => Font.Value;

    /// <summary>
    /// Line series, e.g. energy over time per integrator, trajectory error (<paramref name="logY"/>), an
    /// error-vs-width sweep (both logs), a loss history. A log axis plots log10 of the data with ticks at powers
    /// of ten; non-positive values on it are left out with a note. <paramref name="yLimits"/> fixes the vertical range
    /// (linear axes), e.g. to the truth's range so that one diverging curve does not rescale the figure.
    /// </summary>
    public static PlotResult Lines(
        string path,
        string title,
        string xLabel,
        string yLabel,
        IReadOnlyList<Series> series,
        bool logY = false,
        bool logX = false,
        PlotSize? size = null,
        (double Min, double Max)? yLimits = null)
    {
        var target = Target(path, size);
        ValidateSeries(series, nameof(series));
        var plot = NewPlot(title, xLabel, yLabel);
        var notes = new List<string>();
        AddSeries(plot, series, logX, logY, markerSize: 0, lines: true, colorOffset: 0, notes);
        if (yLimits is { } l && !logY && double.IsFinite(l.Min) && double.IsFinite(l.Max) && l.Max > l.Min)
        {
            plot.Axes.SetLimitsY(l.Min, l.Max);
        }

        return Save(plot, target, notes);
    }

    /// <summary>Points without lines, e.g. Poincare sections; <paramref name="markerSize"/> in pixels.</summary>
    public static PlotResult Scatter(
        string path,
        string title,
        string xLabel,
        string yLabel,
        IReadOnlyList<Series> series,
        float markerSize = 3,
        PlotSize? size = null)
    {
        var target = Target(path, size);
        ValidateSeries(series, nameof(series));
        if (!(markerSize > 0 && markerSize <= 100))
        {
            throw new ArgumentOutOfRangeException(nameof(markerSize), markerSize, "marker size must be in (0, 100] pixels");
        }

        var plot = NewPlot(title, xLabel, yLabel);
        var notes = new List<string>();
        AddSeries(plot, series, logX: false, logY: false, markerSize, lines: false, colorOffset: 0, notes);
        return Save(plot, target, notes);
    }

    /// <summary>
    /// Phase portrait: each true trajectory as a solid line and the learned one of the same index dashed, in the
    /// same colour. <paramref name="truth"/> and <paramref name="learned"/> pair up by index (same count). Drawn at equal
    /// aspect (one unit of q as long as one unit of p, so circles stay circles), showing at least
    /// <paramref name="xLimits"/> x <paramref name="yLimits"/> when given (e.g. the truth's range, so that a diverging
    /// model does not shrink the orbit to a dot).
    /// </summary>
    public static PlotResult PhasePortrait(
        string path,
        string title,
        string xLabel,
        string yLabel,
        IReadOnlyList<Series> truth,
        IReadOnlyList<Series> learned,
        PlotSize? size = null,
        (double Min, double Max)? xLimits = null,
        (double Min, double Max)? yLimits = null)
    {
        var target = Target(path, size);
        ValidateSeries(truth, nameof(truth));
        ValidateSeries(learned, nameof(learned));
        if (truth.Count != learned.Count)
        {
            throw new ArgumentException(
                $"phase portrait pairs true and learned trajectories by index: {truth.Count} true vs {learned.Count} learned",
                nameof(learned));
        }

        var plot = NewPlot(title, xLabel, yLabel);
        var notes = new List<string>();
        for (int k = 0; k < truth.Count; k++)
        {
            AddSeries(plot, [truth[k] with { Dashed = false }], false, false, 0, true, colorOffset: k, notes, legend: false);
            AddSeries(plot, [learned[k] with { Dashed = true }], false, false, 0, true, colorOffset: k, notes, legend: false);
        }

        if (truth.Concat(learned).Any(s => !string.IsNullOrEmpty(s.Name)))
        {
            plot.ShowLegend(Edge.Right); // one legend for all pairs (each ShowLegend call would add a panel)
        }

        if (xLimits is { } x && yLimits is { } y && double.IsFinite(x.Min + x.Max + y.Min + y.Max) && x.Max > x.Min && y.Max > y.Min)
        {
            plot.Axes.SetLimits(x.Min, x.Max, y.Min, y.Max);
        }

        plot.Axes.SquareUnits(); // equal aspect: widens one axis's range to fit the data area
        return Save(plot, target, notes);
    }

    private static (string Path, PlotSize Size) Target(string path, PlotSize? size)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!path.EndsWith(".png", StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException($"plot path must end in .png; got '{path}'", nameof(path));
        }

        var s = size ?? PlotSize.Default;
        s.Validate();
        return (System.IO.Path.GetFullPath(path), s);
    }

    private static void ValidateSeries(IReadOnlyList<Series> series, string parameter)
    {
        ArgumentNullException.ThrowIfNull(series, parameter);
        for (int k = 0; k < series.Count; k++)
        {
            var s = series[k] ?? throw new ArgumentException($"{parameter}[{k}] is null", parameter);
            if (s.Name is null || s.X is null || s.Y is null)
            {
                throw new ArgumentException($"{parameter}[{k}] has a null name, X or Y", parameter);
            }

            if (s.X.Length != s.Y.Length)
            {
                throw new ArgumentException(
                    $"series '{s.Name}' ({parameter}[{k}]) has {s.X.Length} x values but {s.Y.Length} y values", parameter);
            }
        }
    }

    private static Plot NewPlot(string title, string xLabel, string yLabel)
    {
        var plot = new Plot();
        Style(plot);
        plot.Title(title ?? "");
        plot.XLabel(xLabel ?? "");
        plot.YLabel(yLabel ?? "");
        return plot;
    }

    private static void Style(Plot plot)
    {
        if (Font.Value is { } font)
        {
            plot.Font.Set(font);
        }
    }

    private static void AddSeries(
        Plot plot,
        IReadOnlyList<Series> series,
        bool logX,
        bool logY,
        float markerSize,
        bool lines,
        int colorOffset,
        List<string> notes,
        bool legend = true)
    {
        var drawn = new List<Series>();
        foreach (var s in series)
        {
            var (xs, ys) = Drawable(s, logX, logY, notes);
            if (xs.Length == 0)
            {
                notes.Add($"'{s.Name}': no points to draw");
                continue;
            }

            // A curve identical to one already drawn would hide it or be hidden: say so in the legend.
            var twin = drawn.FirstOrDefault(d => d.X.AsSpan().SequenceEqual(s.X) && d.Y.AsSpan().SequenceEqual(s.Y));
            drawn.Add(s);
            var look = ReportStyle.For(s.Style);
            var color = look?.Color ?? plot.Add.Palette.GetColor(colorOffset);
            Scatter sc = lines ? plot.Add.ScatterLine(xs, ys, color) : plot.Add.ScatterPoints(xs, ys, color);
            sc.LegendText = twin is null ? s.Name : $"{s.Name} (identical to {twin.Name})";
            if (lines)
            {
                sc.LineWidth = look?.Width ?? 1.5f;
                sc.MarkerSize = xs.Length == 1 ? 5 : 0; // a lone point would be invisible as a line
                sc.LinePattern = s.Dashed ? LinePattern.Dashed : look?.Pattern ?? LinePattern.Solid;
            }
            else
            {
                sc.LineWidth = 0;
                sc.MarkerSize = markerSize;
                sc.MarkerShape = look?.Marker ?? MarkerShape.FilledCircle;
            }

            colorOffset++;
        }

        if (logX)
        {
            LogAxis.UseLogTicks(plot.Axes.Bottom);
        }

        if (logY)
        {
            LogAxis.UseLogTicks(plot.Axes.Left);
        }

        if (legend && series.Any(s => !string.IsNullOrEmpty(s.Name)))
        {
            plot.ShowLegend(Edge.Right); // beside the data, never over it
        }
    }

    /// <summary>The points of <paramref name="s"/> that can be drawn, log10-transformed where asked; notes the rest.</summary>
    private static (double[] X, double[] Y) Drawable(Series s, bool logX, bool logY, List<string> notes)
    {
        var xs = new List<double>(s.X.Length);
        var ys = new List<double>(s.Y.Length);
        int nonFinite = 0;
        int nonPositive = 0;
        for (int i = 0; i < s.X.Length; i++)
        {
            double x = s.X[i];
            double y = s.Y[i];
            if (!double.IsFinite(x) || !double.IsFinite(y))
            {
                nonFinite++;
                continue;
            }

            if ((logX && x <= 0) || (logY && y <= 0))
            {
                nonPositive++;
                continue;
            }

            xs.Add(logX ? Math.Log10(x) : x);
            ys.Add(logY ? Math.Log10(y) : y);
        }

        if (nonFinite > 0)
        {
            notes.Add($"'{s.Name}': {nonFinite} of {s.X.Length} points not finite, not drawn");
        }

        if (nonPositive > 0)
        {
            string axes = logX && logY ? "x or y" : logX ? "x" : "y";
            notes.Add($"'{s.Name}': {nonPositive} of {s.X.Length} points with {axes} <= 0 not drawn (log scale)");
        }

        return (xs.ToArray(), ys.ToArray());
    }

    private static void AddNotes(Plot plot, IReadOnlyList<string> notes)
    {
        if (notes.Count == 0)
        {
            return;
        }

        const int MaxShown = 4;
        var shown = notes.Take(MaxShown).ToList();
        if (notes.Count > MaxShown)
        {
            shown.Add($"... and {notes.Count - MaxShown} more");
        }

        var annotation = plot.Add.Annotation(string.Join("\n", shown), Alignment.LowerLeft);
        annotation.LabelFontSize = 11;
        annotation.LabelBackgroundColor = Colors.White.WithAlpha(0.85);
        annotation.LabelBorderColor = Colors.Gray;
        annotation.LabelShadowColor = Colors.Transparent;
    }

    private static PlotResult Save(Plot plot, (string Path, PlotSize Size) target, List<string> notes)
    {
        AddNotes(plot, notes);
        WriteAtomically(target.Path, tmp => plot.SavePng(tmp, target.Size.Width, target.Size.Height));

        // The same figure as SVG beside the PNG (it zooms crisply; the report links it).
        var svg = plot.GetSvgHtml(target.Size.Width, target.Size.Height);
        WriteAtomically(System.IO.Path.ChangeExtension(target.Path, ".svg"), tmp => File.WriteAllText(tmp, svg));
        return new PlotResult(target.Path, target.Size.Width, target.Size.Height, notes.ToArray());
    }

    /// <summary>Writes to a temporary file beside <paramref name="path"/> and renames it over the final path.</summary>
    private static void WriteAtomically(string path, Action<string> write)
    {
        string dir = System.IO.Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(dir);
        string tmp = System.IO.Path.Combine(dir, $".{System.IO.Path.GetFileNameWithoutExtension(path)}.{Guid.NewGuid():N}.tmp.png");
        try
        {
            write(tmp);
            File.Move(tmp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(tmp))
            {
                File.Delete(tmp);
            }
        }
    }

    private static string? PickFont()
    {
        var families = SKFontManager.Default.FontFamilies.ToArray();
        if (families.Length == 0)
        {
            return null;
        }

        foreach (var preferred in PreferredFonts)
        {
            if (families.Contains(preferred, StringComparer.OrdinalIgnoreCase))
            {
                return preferred;
            }
        }

        return Fonts.Default is { Length: > 0 } d ? d : families[0];
    }
}
