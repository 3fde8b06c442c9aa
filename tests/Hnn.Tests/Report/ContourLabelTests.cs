using Hnn.Pipeline.Report;
using ScottPlot;
using Xunit;

namespace Hnn.Tests.Report;

/// <summary>
/// Contour labels stay inside the map (FittedContourLines): ScottPlot wrote each label a quarter along its line
/// whatever was there, so a corner arc shorter than its label lost glyphs ("2(" for 20 in the quickstart's H maps) and
/// a label next to the map's edge ran out of it.
/// </summary>
public sealed class ContourLabelTests
{
    private static readonly PixelRect Box = new(0, 200, 100, 0); // left, right, bottom, top

    [Fact]
    public void The_quickstart_map_has_every_label_inside_and_none_on_lines_shorter_than_it()
    {
        // The quickstart's H = p^2/2 + (q - 1)^2/2 on [-5, 5]^2, as RunReport draws it (100 x 100 grid).
        double[] xs = [.. Enumerable.Range(0, 100).Select(i => -5 + (10.0 * i / 99))];
        var h = new double[100, 100];
        for (var i = 0; i < 100; i++)
        {
            for (var j = 0; j < 100; j++)
            {
                h[i, j] = ((xs[i] - 1) * (xs[i] - 1) / 2) + (xs[j] * xs[j] / 2);
            }
        }

        foreach (var (width, height) in new[] { (600, 600), (1000, 600), (600, 400) })
        {
            var (plot, contours) = Plots.HeatmapPlot(xs, xs, new HeatmapPanel("true H", h), "q", "p", []);
            Assert.NotNull(contours);
            plot.GetImage(width, height); // places the labels
            var map = new PixelRect(plot.GetPixel(new Coordinates(-5, 5)), plot.GetPixel(new Coordinates(5, -5)));
            Assert.True(contours.Inside.Left >= map.Left - 0.01 && contours.Inside.Right <= map.Right + 0.01, $"{contours.Inside} not within {map}");
            Assert.True(contours.Inside.Top >= map.Top - 0.01 && contours.Inside.Bottom <= map.Bottom + 0.01, $"{contours.Inside} not within {map}");
            foreach (var label in contours.Placed)
            {
                Assert.All(label.Corners, c => Assert.True(
                    c.X >= contours.Inside.Left && c.X <= contours.Inside.Right && c.Y >= contours.Inside.Top && c.Y <= contours.Inside.Bottom,
                    $"{width}x{height}: label {label.Text} corner {c} outside {contours.Inside}"));
            }

            // Levels 5..30 (NiceLevels); 30 is two arcs in the corners (-5, +-5), a few pixels long: no label.
            Assert.Equal([5.0, 10, 15, 20, 25], contours.Placed.Select(l => l.Level).Distinct().Order());
            Assert.Contains(30.0, contours.Omitted);
            Assert.DoesNotContain(30.0, contours.Placed.Select(l => l.Level));
        }
    }

    [Fact]
    public void A_label_goes_a_quarter_along_upright_on_a_line_either_way_round()
    {
        var right = ContourLabelPlacement.Place([new Pixel(0, 50), new Pixel(200, 50)], 20, 10, 3, Box);
        Assert.NotNull(right);
        Assert.Equal((50f, 50f), (right.Value.Centre.X, right.Value.Centre.Y));
        Assert.Equal(0, right.Value.Degrees, 3);
        Assert.Equal([new Pixel(40, 40), new Pixel(60, 40), new Pixel(60, 53), new Pixel(40, 53)], right.Value.Corners);

        // The line drawn right to left: a quarter along from its start, and still upright (not turned by 180 degrees).
        var left = ContourLabelPlacement.Place([new Pixel(200, 50), new Pixel(0, 50)], 20, 10, 3, Box);
        Assert.NotNull(left);
        Assert.Equal((150f, 50f), (left.Value.Centre.X, left.Value.Centre.Y));
        Assert.Equal(0, left.Value.Degrees, 3);
        Assert.All(left.Value.Corners, c => Assert.True(c.Y <= 53 && c.Y >= 40, c.ToString()));
    }

    [Fact]
    public void A_label_that_would_run_out_of_the_map_moves_along_its_line_or_is_left_out()
    {
        // Up the left edge, then along the top: on the vertical part the text (reading bottom to top) sticks out to
        // the left; the label moves on to the horizontal part, where it fits.
        var moved = ContourLabelPlacement.Place([new Pixel(3, 95), new Pixel(3, 20), new Pixel(200, 20)], 20, 10, 3, Box);
        Assert.NotNull(moved);
        Assert.Equal(20f, moved.Value.Centre.Y, 3);
        Assert.True(moved.Value.Centre.X >= 3 + 10 + ContourLabelPlacement.Margin, moved.Value.Centre.ToString());
        Assert.Equal(0, moved.Value.Degrees, 3);

        // Along the top edge: everywhere the text would stick out above the map.
        Assert.Null(ContourLabelPlacement.Place([new Pixel(0, 4), new Pixel(200, 4)], 20, 10, 3, Box));

        // Shorter than the label and its margins.
        Assert.Null(ContourLabelPlacement.Place([new Pixel(10, 50), new Pixel(33, 50)], 20, 10, 3, Box));
        Assert.NotNull(ContourLabelPlacement.Place([new Pixel(10, 50), new Pixel(34, 50)], 20, 10, 3, Box));
    }
}
