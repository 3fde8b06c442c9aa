using System.Globalization;
using ScottPlot;
using ScottPlot.Plottables;
using SkiaSharp;

namespace Hnn.Pipeline.Report;

/// <summary>
/// Contour lines whose labels stay inside the map. ScottPlot's <see cref="ContourLines"/> writes each label along its
/// line from a quarter of the way along, whatever is there: on a short line (a corner arc of the map) the text ran past
/// the line's end and lost its last glyphs ("2(" for 20), and next to the map's edge it ran out of the map. Here a
/// label is written straight, upright, on its line (baseline on the line, turned to the line's direction there) where
/// the whole text lies inside <see cref="Extent"/> and the axes' data area: about a quarter of the way along (where
/// ScottPlot put it) if it fits there, else the nearest place along the line that does; a line with no such place is
/// drawn without a label.
/// </summary>
internal sealed class FittedContourLines : ContourLines
{
    /// <summary>The map's rectangle in coordinates (the heatmap's extent): labels stay inside it.</summary>
    public CoordinateRect Extent { get; init; }

    /// <summary>The labels of the last render.</summary>
    public List<ContourLabel> Placed { get; } = [];

    /// <summary>Levels of the lines of the last render drawn without a label (no place along them keeps it inside).</summary>
    public List<double> Omitted { get; } = [];

    /// <summary>The rectangle (pixels) labels had to stay in at the last render: the map within the data area.</summary>
    public PixelRect Inside { get; private set; }

    public override void Render(RenderPack rp)
    {
        Placed.Clear();
        Omitted.Clear();
        if (!IsVisible || Lines is null || Lines.Count == 0)
        {
            return;
        }

        var map = Axes.GetPixelRect(Extent);
        var data = rp.DataRect;
        Inside = new PixelRect(
            Math.Max(Math.Min(map.Left, map.Right), data.Left),
            Math.Min(Math.Max(map.Left, map.Right), data.Right),
            Math.Min(Math.Max(map.Top, map.Bottom), data.Bottom),
            Math.Max(Math.Min(map.Top, map.Bottom), data.Top));
        var paths = Lines.Select(l => Axes.GetPixelPath(l.Path)).ToArray();
        foreach (var path in paths)
        {
            Drawing.DrawPath(rp.Canvas, rp.Paint, path, LineStyle);
        }

        if (!LabelStyle.IsVisible)
        {
            return;
        }

        LabelStyle.ApplyToPaint(rp.Paint);
        var (_, metrics) = rp.Paint.GetFontMetrics();
        for (var i = 0; i < Lines.Count; i++)
        {
            var text = Lines[i].Z.ToString("0.###", CultureInfo.InvariantCulture);
            var width = rp.Paint.MeasureText(text).Width;
            if (ContourLabelPlacement.Place(paths[i].Pixels, width, -metrics.Ascent, metrics.Descent, Inside) is not { } p)
            {
                Omitted.Add(Lines[i].Z);
                continue;
            }

            rp.Canvas.Save();
            rp.Canvas.Translate(p.Centre.X, p.Centre.Y);
            rp.Canvas.RotateDegrees(p.Degrees);
            rp.Canvas.DrawText(text, -width / 2, 0, SKTextAlign.Left, rp.Paint.SKFont, rp.Paint.SKPaint);
            rp.Canvas.Restore();
            Placed.Add(new ContourLabel(text, Lines[i].Z, p.Corners));
        }
    }
}

/// <summary>A contour label as drawn: its text, its line's level and the corners of its box (pixels).</summary>
internal sealed record ContourLabel(string Text, double Level, IReadOnlyList<Pixel> Corners);

/// <summary>Where a label goes: the middle of its baseline (on the line), its turn (degrees, clockwise on screen), its box's corners.</summary>
internal readonly record struct ContourLabelPlace(Pixel Centre, float Degrees, IReadOnlyList<Pixel> Corners);

/// <summary>The search for a label's place along a contour line (pure: pixels in, a place or none out).</summary>
internal static class ContourLabelPlacement
{
    /// <summary>Gap (pixels) kept between the label and the line's ends and the rectangle's sides.</summary>
    public const float Margin = 2;

    /// <summary>
    /// The place of a label <paramref name="width"/> pixels wide (<paramref name="ascent"/> above and
    /// <paramref name="descent"/> below its baseline) written straight and upright on the polyline
    /// <paramref name="line"/>: the middle of its baseline on the line, turned to the chord of the line under it. The
    /// first place, from a quarter along (where ScottPlot wrote its labels) outwards in steps of half the width, where
    /// the label lies within the line's length and its whole box inside <paramref name="inside"/>. Null when there is
    /// none (the line is shorter than the label, or every place runs out of the rectangle).
    /// </summary>
    public static ContourLabelPlace? Place(IReadOnlyList<Pixel> line, float width, float ascent, float descent, PixelRect inside)
    {
        if (line.Count < 2 || !(width > 0))
        {
            return null;
        }

        var pts = line.ToArray();
        var cum = Cumulative(pts);
        var length = cum[^1];
        var (lo, hi) = ((width / 2) + Margin, length - (width / 2) - Margin);
        if (hi < lo)
        {
            return null;
        }

        var preferred = Math.Clamp(length / 4, lo, hi);
        var step = Math.Max(4, width / 2);
        for (var k = 0; ; k++)
        {
            var tried = false;
            foreach (var c in k == 0 ? new[] { preferred } : new[] { preferred - (k * step), preferred + (k * step) })
            {
                if (c < lo || c > hi)
                {
                    continue;
                }

                tried = true;
                var place = At(pts, cum, c, width, ascent, descent);
                if (place.Corners.All(p => Within(p, inside)))
                {
                    return place;
                }
            }

            if (!tried && k > 0)
            {
                return null;
            }
        }
    }

    /// <summary>The label centred at arc length <paramref name="c"/>: upright, along the chord from c - width/2 to c + width/2.</summary>
    internal static ContourLabelPlace At(Pixel[] pts, float[] cum, float c, float width, float ascent, float descent)
    {
        var centre = Point(pts, cum, c);
        var (a, b) = (Point(pts, cum, c - (width / 2)), Point(pts, cum, c + (width / 2)));
        var (dx, dy) = (b.X - a.X, b.Y - a.Y);
        var norm = MathF.Sqrt((dx * dx) + (dy * dy));
        (dx, dy) = norm > 0 ? (dx / norm, dy / norm) : (1, 0);
        if (dx < 0 || (dx == 0 && dy > 0))
        {
            // Upright: never upside down (a vertical label reads bottom to top).
            (dx, dy) = (-dx, -dy);
        }

        // Up from the baseline for text running along (dx, dy) on a canvas whose y points down.
        var (ux, uy) = (dy, -dx);
        var (hx, hy) = (dx * width / 2, dy * width / 2);
        Pixel Corner(float along, float up) => new(centre.X + (along * hx) + (up * ux), centre.Y + (along * hy) + (up * uy));
        Pixel[] corners = [Corner(-1, ascent), Corner(1, ascent), Corner(1, -descent), Corner(-1, -descent)];
        return new ContourLabelPlace(centre, MathF.Atan2(dy, dx) * 180 / MathF.PI, corners);
    }

    private static bool Within(Pixel p, PixelRect r) =>
        p.X >= r.Left + Margin && p.X <= r.Right - Margin && p.Y >= r.Top + Margin && p.Y <= r.Bottom - Margin;

    internal static float[] Cumulative(Pixel[] pts)
    {
        var cum = new float[pts.Length];
        for (var i = 1; i < pts.Length; i++)
        {
            var (dx, dy) = (pts[i].X - pts[i - 1].X, pts[i].Y - pts[i - 1].Y);
            cum[i] = cum[i - 1] + MathF.Sqrt((dx * dx) + (dy * dy));
        }

        return cum;
    }

    /// <summary>The point at arc length <paramref name="s"/> (clamped to the line).</summary>
    private static Pixel Point(Pixel[] pts, float[] cum, float s)
    {
        s = Math.Clamp(s, 0, cum[^1]);
        var i = Array.BinarySearch(cum, s);
        i = i >= 0 ? Math.Min(i, pts.Length - 2) : Math.Clamp(~i - 1, 0, pts.Length - 2);
        var seg = cum[i + 1] - cum[i];
        var t = seg > 0 ? Math.Clamp((s - cum[i]) / seg, 0, 1) : 0;
        return new Pixel(pts[i].X + (t * (pts[i + 1].X - pts[i].X)), pts[i].Y + (t * (pts[i + 1].Y - pts[i].Y)));
    }
}
