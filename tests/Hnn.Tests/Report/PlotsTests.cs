using Hnn.Pipeline.Report;
using Xunit;

namespace Hnn.Tests.Report;

public sealed class PlotsTests
{
    private static double[] Linspace(double a, double b, int n) =>
        Enumerable.Range(0, n).Select(i => a + ((b - a) * i / (n - 1))).ToArray();

    /// <summary>H = q^2/2 + p^2/2 on a 21 x 15 grid over [-2, 2] x [-1.5, 1.5], and a slightly wrong copy.</summary>
    private static (double[] Xs, double[] Ys, double[,] H, double[,] Learned) Field()
    {
        double[] xs = Linspace(-2, 2, 21);
        double[] ys = Linspace(-1.5, 1.5, 15);
        var h = new double[xs.Length, ys.Length];
        var learned = new double[xs.Length, ys.Length];
        for (int i = 0; i < xs.Length; i++)
        {
            for (int j = 0; j < ys.Length; j++)
            {
                h[i, j] = (xs[i] * xs[i] / 2) + (ys[j] * ys[j] / 2);
                learned[i, j] = h[i, j] + (1e-3 * Math.Sin(3 * xs[i]) * Math.Cos(ys[j])); // exactly 0 error at q = 0
            }
        }

        return (xs, ys, h, learned);
    }

    private static void AssertPng(PlotResult result, int width, int height)
    {
        Assert.True(Path.IsPathRooted(result.Path));
        var info = PngCheck.Validate(result.Path);
        Assert.Equal((width, height), (info.Width, info.Height));
        Assert.Equal((width, height), (result.Width, result.Height));
    }

    [Fact]
    public void Lines_writes_a_valid_png_of_the_default_and_of_a_given_size()
    {
        using var dir = new ReportDir();
        double[] t = Linspace(0, 10, 200);
        Series[] energy =
        [
            new("leapfrog", t, t.Select(x => 0.5 + (1e-3 * Math.Sin(x))).ToArray()),
            new("rk4", t, t.Select(x => 0.5 - (1e-4 * x)).ToArray(), Dashed: true),
        ];

        var standard = Plots.Lines(dir.File("energy.png"), "Energy over time", "t", "H", energy);
        AssertPng(standard, 1000, 600);
        Assert.Empty(standard.Notes);

        var small = Plots.Lines(dir.File("energy-small.png"), "Energy", "t", "H", energy, size: new PlotSize(640, 480));
        AssertPng(small, 640, 480);
    }

    [Fact]
    public void Log_axes_leave_out_zero_negative_and_nan_points_with_a_note_and_do_not_crash()
    {
        using var dir = new ReportDir();
        double[] t = Linspace(0, 5, 50);
        double[] error = t.Select(x => 1e-8 * Math.Exp(3 * x)).ToArray();
        error[0] = 0; // the error at t = 0 is exactly 0
        error[10] = -1e-3;
        error[20] = double.NaN;
        error[30] = double.PositiveInfinity;

        var result = Plots.Lines(dir.File("error.png"), "Trajectory error", "t", "|x - x_hat|", [new Series("error", t, error)], logY: true);
        AssertPng(result, 1000, 600);
        Assert.Contains(result.Notes, n => n.Contains("'error': 2 of 50 points with y <= 0", StringComparison.Ordinal));
        Assert.Contains(result.Notes, n => n.Contains("'error': 2 of 50 points not finite", StringComparison.Ordinal));

        // log-log (error vs width), including a width of 0 and a series with nothing drawable
        double[] widths = [0, 10, 100, 1000, 10000];
        var sweep = Plots.Lines(
            dir.File("sweep.png"),
            "Error vs width",
            "width",
            "relative error",
            [new Series("test", widths, widths.Select(w => 1 / (w + 1)).ToArray()), new Series("all zero", widths, new double[5])],
            logY: true,
            logX: true);
        AssertPng(sweep, 1000, 600);
        Assert.Contains(sweep.Notes, n => n.Contains("'test': 1 of 5 points with x or y <= 0", StringComparison.Ordinal));
        Assert.Contains(sweep.Notes, n => n.Contains("'all zero': no points to draw", StringComparison.Ordinal));

        // a log axis over less than a decade, a single point, and no series at all
        AssertPng(Plots.Lines(dir.File("narrow.png"), "loss", "epoch", "loss", [new Series("adam", [1, 2, 3], [2.0, 1.5, 1.2])], logY: true), 1000, 600);
        AssertPng(Plots.Lines(dir.File("one.png"), "one", "x", "y", [new Series("p", [1], [1e-3])], logY: true, logX: true), 1000, 600);
        AssertPng(Plots.Lines(dir.File("none.png"), "none", "x", "y", [], logY: true), 1000, 600);
    }

    [Fact]
    public void Scatter_writes_poincare_points()
    {
        using var dir = new ReportDir();
        var rng = new Random(20240607);
        double[] q = Enumerable.Range(0, 5000).Select(_ => rng.NextDouble()).ToArray();
        double[] p = Enumerable.Range(0, 5000).Select(_ => rng.NextDouble()).ToArray();
        q[3] = double.NaN;
        var result = Plots.Scatter(dir.File("poincare.png"), "Poincaré section", "q", "p", [new Series("E = 1", q, p)], markerSize: 2);
        AssertPng(result, 1000, 600);
        Assert.Single(result.Notes);

        Assert.Throws<ArgumentOutOfRangeException>(() =>
            Plots.Scatter(dir.File("bad.png"), "t", "q", "p", [new Series("s", [0], [0])], markerSize: 0));
    }

    [Fact]
    public void Phase_portrait_pairs_true_and_learned_trajectories()
    {
        using var dir = new ReportDir();
        double[] th = Linspace(0, 2 * Math.PI, 100);
        Series Circle(string name, double r) => new(name, th.Select(a => r * Math.Cos(a)).ToArray(), th.Select(a => r * Math.Sin(a)).ToArray());

        var result = Plots.PhasePortrait(
            dir.File("phase.png"), "Phase portrait", "q", "p", [Circle("true 1", 1), Circle("true 2", 2)], [Circle("learned 1", 1.02), Circle("learned 2", 2.05)]);
        AssertPng(result, 1000, 600);

        var e = Assert.Throws<ArgumentException>(() =>
            Plots.PhasePortrait(dir.File("bad.png"), "t", "q", "p", [Circle("a", 1)], []));
        Assert.Contains("1 true vs 0 learned", e.Message);
    }

    [Fact]
    public void Heatmaps_linear_and_log_write_valid_pngs()
    {
        using var dir = new ReportDir();
        var (xs, ys, h, learned) = Field();
        AssertPng(Plots.Heatmap(dir.File("h.png"), xs, ys, h, "true H", "q", "p", colorLabel: "H"), 1000, 600);

        var error = new double[xs.Length, ys.Length];
        for (int i = 0; i < xs.Length; i++)
        {
            for (int j = 0; j < ys.Length; j++)
            {
                error[i, j] = Math.Abs(h[i, j] - learned[i, j]);
            }
        }

        error[0, 0] = -1;
        error[1, 1] = double.NaN;
        var log = Plots.Heatmap(dir.File("error.png"), xs, ys, error, "|H - H_hat|", "q", "p", log10: true, size: new PlotSize(500, 400));
        AssertPng(log, 500, 400);
        Assert.Contains(log.Notes, n => n.Contains("cells <= 0 left blank (log scale)", StringComparison.Ordinal));
        Assert.Contains(log.Notes, n => n.Contains("1 of 315 cells not finite", StringComparison.Ordinal));

        // nothing positive at all on a log scale, and a constant field
        var zeros = Plots.Heatmap(dir.File("zeros.png"), xs, ys, new double[xs.Length, ys.Length], "zero error", "q", "p", log10: true);
        AssertPng(zeros, 1000, 600);
        Assert.Contains(zeros.Notes, n => n.Contains("no finite values", StringComparison.Ordinal));
        AssertPng(Plots.Heatmap(dir.File("constant.png"), xs, ys, new double[xs.Length, ys.Length], "constant", "q", "p"), 1000, 600);
    }

    [Fact]
    public void True_learned_error_panels_go_side_by_side_in_one_png()
    {
        using var dir = new ReportDir();
        var (xs, ys, h, learned) = Field();
        var result = Plots.TrueLearnedError(dir.File("compare.png"), xs, ys, h, learned);
        AssertPng(result, PlotSize.Wide.Width, PlotSize.Wide.Height);
        Assert.Contains(result.Notes, n => n.StartsWith("error |H − Ĥ|: 15 of 315 cells <= 0", StringComparison.Ordinal)); // the q = 0 column

        var panels = Plots.HeatmapPanels(
            dir.File("two.png"), xs, ys, "q", "p", [new HeatmapPanel("a", h), new HeatmapPanel("b", h, Contours: false)], new PlotSize(1000, 400));
        AssertPng(panels, 1000, 400);
    }

    /// <summary>
    /// The H maps are at equal aspect only for a plane whose sides are within a factor 3 (the audit's screenshot of
    /// pipelines/compare/pendulum-hig.yaml, q in [-2pi, 2pi] x p in [-1, 1], showed a thin strip in an empty square).
    /// </summary>
    [Theory]
    [InlineData(10, 10, true)]
    [InlineData(10, 4, true)]
    [InlineData(2, 6, true)]
    [InlineData(4 * Math.PI, 2, false)]
    [InlineData(0.004, 0.06, false)]
    public void Maps_are_at_equal_aspect_only_for_a_near_square_plane(double width, double height, bool square) =>
        Assert.Equal(square, Plots.NearSquare(width, height));

    [Fact]
    public void Heatmap_puts_values_i_j_at_xs_i_ys_j()
    {
        // Viridis runs from dark (low) to bright yellow (high): a field growing with x is brighter on the right,
        // one growing with y is brighter at the top.
        using var dir = new ReportDir();
        var (xs, ys, _, _) = Field();
        var byX = new double[xs.Length, ys.Length];
        var byY = new double[xs.Length, ys.Length];
        for (int i = 0; i < xs.Length; i++)
        {
            for (int j = 0; j < ys.Length; j++)
            {
                byX[i, j] = xs[i];
                byY[i, j] = ys[j];
            }
        }

        string px = Plots.Heatmap(dir.File("x.png"), xs, ys, byX, "x", "q", "p", contours: false).Path;
        string py = Plots.Heatmap(dir.File("y.png"), xs, ys, byY, "y", "q", "p", contours: false).Path;
        Assert.True(TestPng.Luminance(px, 560, 300) > TestPng.Luminance(px, 160, 300) + 0.3);
        Assert.True(TestPng.Luminance(py, 350, 150) > TestPng.Luminance(py, 350, 450) + 0.3);
    }

    [Fact]
    public void Text_is_drawn_with_an_installed_font()
    {
        // SkiaSharp's dependency-free Linux build reads fonts from /usr/share/fonts; .ci/run installs fonts-dejavu-core.
        Assert.True(Plots.TextFont is not null, "no font under /usr/share/fonts: plot text would be blank (apt-get install fonts-dejavu-core)");

        using var dir = new ReportDir();
        Series[] s = [new("s", [0, 1], [0, 1])];
        string blank = Plots.Lines(dir.File("blank.png"), ".", "", "", s).Path; // same layout, almost no ink
        string titled = Plots.Lines(dir.File("titled.png"), "A TITLE WITH INK", "", "", s).Path;
        int a = TestPng.InkPixels(titled, 0, 30), b = TestPng.InkPixels(blank, 0, 30);
        Assert.True(a > b + 50, $"the title drew no pixels: {a} vs {b}");
    }

    [Fact]
    public void Bad_arguments_throw_with_a_message_that_names_them()
    {
        using var dir = new ReportDir();
        var (xs, ys, h, _) = Field();

        var e1 = Assert.Throws<ArgumentException>(() =>
            Plots.Lines(dir.File("a.png"), "t", "x", "y", [new Series("short", [1, 2, 3], [1, 2])]));
        Assert.Contains("series 'short'", e1.Message);
        Assert.Contains("3 x values but 2 y values", e1.Message);

        var e2 = Assert.Throws<ArgumentException>(() => Plots.Lines(dir.File("a.jpg"), "t", "x", "y", []));
        Assert.Contains("must end in .png", e2.Message);

        Assert.Throws<ArgumentOutOfRangeException>(() => Plots.Lines(dir.File("a.png"), "t", "x", "y", [], size: new PlotSize(0, 600)));

        var e3 = Assert.Throws<ArgumentException>(() => Plots.Heatmap(dir.File("a.png"), ys, xs, h, "t", "q", "p"));
        Assert.Contains("values are 21x15 but the grid is 15 xs by 21 ys", e3.Message);

        double[] uneven = [.. xs];
        uneven[3] += 0.05;
        var e4 = Assert.Throws<ArgumentException>(() => Plots.Heatmap(dir.File("a.png"), uneven, ys, h, "t", "q", "p"));
        Assert.Contains("xs must be evenly spaced", e4.Message);

        var e5 = Assert.Throws<ArgumentException>(() => Plots.TrueLearnedError(dir.File("a.png"), xs, ys, h, new double[2, 2]));
        Assert.Contains("learned H is 2x2", e5.Message);

        Assert.Empty(Directory.GetFiles(dir.Path)); // nothing was written
    }

    [Fact]
    public void Writes_into_a_new_subfolder_and_overwrites_without_leaving_temp_files()
    {
        using var dir = new ReportDir();
        string path = dir.File("figures", "nested", "p.png");
        Plots.Lines(path, "first", "x", "y", [new Series("s", [0, 1], [0, 1])]);
        Plots.Lines(path, "second", "x", "y", [new Series("s", [0, 1], [1, 0])], size: new PlotSize(300, 200));
        Assert.Equal(300, PngCheck.Validate(path).Width);
        Assert.Equal(["p.png", "p.svg"], Directory.GetFiles(Path.GetDirectoryName(path)!).Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal).ToArray());
        Assert.Equal("svg", System.Xml.Linq.XDocument.Load(Path.ChangeExtension(path, ".svg")).Root!.Name.LocalName);
    }

    [Fact]
    public void Svg_parses_as_xml_with_markup_characters_in_title_legend_and_notes()
    {
        // '<', '>' and '&' in the title, a legend entry and the plot's own note ("... y <= 0 not drawn (log scale)").
        using var dir = new ReportDir();
        string path = dir.File("p.png");
        var result = Plots.Lines(path, "error <log> & more", "t", "|x - x'|", [new Series("a & <b>", [0, 1, 2], [0, 1e-3, 1e-2]), new Series("c", [0, 1], [1, 2])], logY: true);
        Assert.Contains(result.Notes, n => n.Contains("<= 0 not drawn", StringComparison.Ordinal));
        var svg = File.ReadAllBytes(Path.ChangeExtension(path, ".svg"));
        Assert.True(ReportWriter.IsSvg(svg), System.Text.Encoding.UTF8.GetString(svg)[..Math.Min(400, svg.Length)]);

        // The phase portrait and the scatter plot, too.
        Plots.PhasePortrait(dir.File("phase.png"), "phase <q, p>", "q", "p", [new Series("true H", [0, 1, 0], [1, 0, -1])], [new Series("m & n", [0, 1.1, 0], [1, 0, -1.1])], xLimits: (-2, 2), yLimits: (-2, 2));
        Assert.True(ReportWriter.IsSvg(File.ReadAllBytes(dir.File("phase.svg"))));
        Plots.Scatter(dir.File("scatter.png"), "s", "q2", "p2", [new Series("a<b", [0, 1], [1, 0])]);
        Assert.True(ReportWriter.IsSvg(File.ReadAllBytes(dir.File("scatter.svg"))));
    }

    [Fact]
    public void Contour_levels_are_round_numbers_inside_the_range()
    {
        // Worked by hand: range 158.2 / 6 = 26.4 -> power 10; steps 10/20/25/50/100 give 16/8/7/4/2 levels inside
        // (-53.1, 105.1); 7 is nearest to 6 -> step 25.
        Assert.Equal([-50.0, -25, 0, 25, 50, 75, 100], Plots.NiceLevels(-53.1, 105.1, 6));
        // (0, 12.5): 12.5 / 6 = 2.08 -> power 1; steps 1/2/2.5/5/10 give 12/6/4/2/1 levels -> step 2 (ends excluded).
        Assert.Equal([2.0, 4, 6, 8, 10, 12], Plots.NiceLevels(0, 12.5, 6));
        // (0.0011, 0.0095): 0.0014 -> power 1e-3; steps 1e-3/2e-3 give 8/4 levels, a tie -> the larger step.
        Assert.Equal([0.002, 0.004, 0.006, 0.008], Plots.NiceLevels(0.0011, 0.0095, 6), new Tolerance(1e-15));
        Assert.Empty(Plots.NiceLevels(1, 1, 6));
        Assert.Empty(Plots.NiceLevels(double.NaN, 1, 6));
    }

    private sealed class Tolerance(double abs) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= abs;

        public int GetHashCode(double obj) => 0;
    }
}
