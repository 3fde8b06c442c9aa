using System.Text.RegularExpressions;
using System.Xml;
using System.Xml.Linq;
using Hnn.Pipeline.Report;
using Xunit;

namespace Hnn.Tests.Report;

public sealed class ReportWriterTests
{
    private const string HostileConfig = """
        name: "quickstart <script>alert('x')</script>"
        note: a & b < c > d "quoted" 'single'
        code: |
          ```not a fence close```
          ![not an image](missing.png)
        """;

    private static readonly XNamespace X = "http://www.w3.org/1999/xhtml";

    /// <summary>Two plots in the folder (one in a subfolder with a space in its name) and a model that shows them.</summary>
    private static ReportModel Model(ReportDir dir)
    {
        var energy = Plots.Lines(
            dir.File("energy.png"), "Energy", "t", "H", [new Series("leapfrog", [0, 1, 2], [1, 1.001, 0.999])], size: new PlotSize(400, 300));
        var error = Plots.Lines(
            dir.File("figures and more", "error (log).png"), "Error", "t", "err", [new Series("e", [0, 1, 2], [0, 1e-3, 1e-2])], logY: true);
        return new ReportModel(
            Title: "Run <quickstart> & friends",
            Description: "Mass-spring, four methods.\nSecond line.\n\nSecond paragraph with | pipe and *stars*.",
            ConfigYaml: HostileConfig,
            Tables:
            [
                new ReportTable(
                    "Test errors <relative>",
                    ["method", "width", "rel. error"],
                    [["elm", "100", "1.2e-3"], ["a|swim", "200", "n/a <none>"], ["multi\nline", "5", "-"]]),
            ],
            Figures:
            [
                new ReportFigure("Energy over time", energy.Path),
                new ReportFigure("Trajectory error [log] <y>", Path.Combine("figures and more", "error (log).png")),
            ],
            ManifestJson: "{\n  \"seed\": 1,\n  \"key\": \"<k&y>\"\n}",
            Notes: ["1 point <= 0 left out of the error plot", "Notes can say <b>anything</b> & be safe."]);
    }

    private static XDocument ParseXhtml(string path)
    {
        var settings = new XmlReaderSettings { DtdProcessing = DtdProcessing.Ignore };
        using var reader = XmlReader.Create(path, settings);
        return XDocument.Load(reader);
    }

    [Fact]
    public void Writes_report_html_and_report_md_into_the_folder()
    {
        using var dir = new ReportDir();
        var files = ReportWriter.Write(Model(dir), dir.Path);
        Assert.Equal(dir.File("report.html"), files.HtmlPath);
        Assert.Equal(dir.File("report.md"), files.MarkdownPath);
        Assert.True(File.Exists(files.HtmlPath));
        Assert.True(File.Exists(files.MarkdownPath));
        Assert.Empty(Directory.GetFiles(dir.Path, "*.tmp"));
    }

    [Fact]
    public void Html_is_well_formed_xhtml_with_every_image_embedded_as_svg_or_else_png()
    {
        using var dir = new ReportDir();
        var model = Model(dir);
        File.Delete(Path.ChangeExtension(dir.File("figures and more", "error (log).png"), ".svg")); // this one only as PNG
        var files = ReportWriter.Write(model, dir.Path);

        var doc = ParseXhtml(files.HtmlPath); // throws if not well-formed
        var images = doc.Descendants(X + "img").ToList();
        Assert.Equal(2, images.Count);

        // The first figure has its SVG beside it: embedded as SVG (well-formed, an svg root in the SVG namespace).
        const string SvgPrefix = "data:image/svg+xml;base64,";
        string src = (string)images[0].Attribute("src")!;
        Assert.StartsWith(SvgPrefix, src);
        var svg = System.Xml.Linq.XDocument.Parse(System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(src[SvgPrefix.Length..])));
        Assert.Equal(System.Xml.Linq.XName.Get("svg", "http://www.w3.org/2000/svg"), svg.Root!.Name);
        Assert.Equal("400", (string)images[0].Attribute("width")!);

        // The second has none: embedded as its PNG.
        src = (string)images[1].Attribute("src")!;
        Assert.StartsWith("data:image/png;base64,", src);
        var info = PngCheck.Validate(Convert.FromBase64String(src["data:image/png;base64,".Length..]), "embedded");
        Assert.Equal(info.Width.ToString(System.Globalization.CultureInfo.InvariantCulture), (string)images[1].Attribute("width")!);

        Assert.Equal("Trajectory error [log] <y>", (string)images[1].Attribute("alt")!);
        Assert.Empty(doc.Descendants(X + "link")); // no external stylesheet
        Assert.Empty(doc.Descendants(X + "script"));
        Assert.Single(doc.Descendants(X + "style"));

        // Links: the first figure's SVG and PNG files, which exist.
        var links = doc.Descendants(X + "a").Select(a => (string)a.Attribute("href")!).Where(h => !h.StartsWith('#')).ToList();
        Assert.Equal(["energy.svg", "energy.png"], links);

        var check = ReportCheck.Html(files.HtmlPath).ThrowIfProblems();
        Assert.Equal(2, check.ImageCount);
        Assert.Equal(1, check.SvgCount);
        Assert.Equal([(1000, 600)], check.Images.Select(i => (i.Width, i.Height)).ToArray());
    }

    [Fact]
    public void Html_escapes_text_so_it_round_trips_and_no_markup_gets_in()
    {
        using var dir = new ReportDir();
        var model = Model(dir);
        var files = ReportWriter.Write(model, dir.Path);
        string html = File.ReadAllText(files.HtmlPath);

        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;", html);
        Assert.DoesNotContain("<b>anything", html);
        Assert.DoesNotContain("<quickstart>", html);

        // Parsed back, each text is exactly what was given.
        var doc = ParseXhtml(files.HtmlPath);
        var codes = doc.Descendants(X + "code").Select(c => c.Value).ToList();
        Assert.Equal([model.ConfigYaml.TrimEnd(), model.ManifestJson], codes);
        Assert.Equal(model.Title, doc.Descendants(X + "title").Single().Value);
        Assert.Equal(model.Title, doc.Descendants(X + "h1").Single().Value);
        Assert.Equal(["elm", "100", "1.2e-3", "a|swim", "200", "n/a <none>", "multiline", "5", "-"], doc.Descendants(X + "td").Select(td => td.Value).ToArray());
        Assert.Equal(["num", "num"], doc.Descendants(X + "td").Take(3).Select(td => (string?)td.Attribute("class")).OfType<string>().ToArray());
        Assert.Contains(doc.Descendants(X + "li"), li => li.Value == "Notes can say <b>anything</b> & be safe.");
    }

    [Fact]
    public void Characters_xml_forbids_do_not_break_the_page()
    {
        using var dir = new ReportDir();
        var model = Model(dir) with { Title = "bell\u0007 nul\0 lone\uD800 pair \U0001F600", Notes = ["\u001B[31mred\u001B[0m"] };
        var files = ReportWriter.Write(model, dir.Path);
        var doc = ParseXhtml(files.HtmlPath);
        Assert.Equal("bell\uFFFD nul\uFFFD lone\uFFFD pair \U0001F600", doc.Descendants(X + "h1").Single().Value);
    }

    [Fact]
    public void Markdown_links_every_figure_by_a_relative_path_to_a_valid_png()
    {
        using var dir = new ReportDir();
        var files = ReportWriter.Write(Model(dir), dir.Path);
        string md = File.ReadAllText(files.MarkdownPath);

        Assert.Contains("](energy.png)", md);
        Assert.Contains("](figures%20and%20more/error%20%28log%29.png)", md);
        Assert.DoesNotContain(dir.Path, md); // no absolute paths

        var check = ReportCheck.Markdown(files.MarkdownPath).ThrowIfProblems();
        Assert.Equal(2, check.ImageCount); // the image-like text inside the config's code block is not a link
    }

    [Fact]
    public void Markdown_escapes_text_and_fences_verbatim_blocks_safely()
    {
        using var dir = new ReportDir();
        var files = ReportWriter.Write(Model(dir), dir.Path);
        string md = File.ReadAllText(files.MarkdownPath);

        Assert.StartsWith("# Run &lt;quickstart&gt; &amp; friends\n", md);
        Assert.Contains("| a\\|swim | 200 | n/a &lt;none&gt; |", md);
        Assert.Contains("| multi<br>line | 5 | - |", md);
        Assert.Contains("with \\| pipe and \\*stars\\*.", md);

        // The config holds a run of three backticks, so its fence is four long and it appears verbatim.
        Assert.Contains("````yaml\n" + HostileConfig.TrimEnd() + "\n````\n", md);
        Assert.Contains("```json\n{\n  \"seed\": 1,", md);

        // Every table row has as many unescaped cell separators as the header.
        var rows = md.Split('\n').Where(l => l.StartsWith("| ", StringComparison.Ordinal)).ToList();
        Assert.Equal(5, rows.Count);
        Assert.All(rows, r => Assert.Equal(4, Regex.Matches(r, @"(?<!\\)\|").Count));
    }

    [Fact]
    public void The_same_model_gives_the_same_bytes()
    {
        using var dir = new ReportDir();
        var model = Model(dir);
        var first = ReportWriter.Write(model, dir.Path);
        byte[] html = File.ReadAllBytes(first.HtmlPath);
        byte[] md = File.ReadAllBytes(first.MarkdownPath);
        var second = ReportWriter.Write(model, dir.Path);
        Assert.Equal(html, File.ReadAllBytes(second.HtmlPath));
        Assert.Equal(md, File.ReadAllBytes(second.MarkdownPath));
        Assert.False(html.AsSpan().StartsWith((byte[])[0xEF, 0xBB, 0xBF])); // UTF-8 without a byte-order mark
    }

    [Fact]
    public void An_empty_report_is_still_a_page()
    {
        using var dir = new ReportDir();
        var files = ReportWriter.Write(new ReportModel("Empty", "", "", [], [], "", []), dir.File("sub"));
        Assert.Equal("Empty", ParseXhtml(files.HtmlPath).Descendants(X + "h1").Single().Value);
        Assert.Equal(0, ReportCheck.Html(files.HtmlPath).ImageCount);
        Assert.Equal("# Empty\n", File.ReadAllText(files.MarkdownPath));
    }

    [Fact]
    public void Bad_models_fail_before_anything_is_written_with_a_message_that_names_the_problem()
    {
        using var dir = new ReportDir();
        var model = Model(dir);
        string report = dir.File("out");

        var rows = Assert.Throws<ArgumentException>(() => ReportWriter.Write(
            model with { Tables = [new ReportTable("short rows", ["a", "b"], [["1", "2"], ["3"]])] }, dir.Path));
        Assert.Contains("table 0 ('short rows') row 1 has 1 cells but there are 2 headers", rows.Message);

        var outside = Assert.Throws<ArgumentException>(() => ReportWriter.Write(model, report));
        Assert.Contains("figure 0 ('Energy over time')", outside.Message);
        Assert.Contains("outside the report folder", outside.Message);
        Assert.False(Directory.Exists(report));

        var missing = Assert.Throws<InvalidDataException>(() => ReportWriter.Write(
            model with { Figures = [new ReportFigure("gone", "gone.png")] }, dir.Path));
        Assert.Contains("figure 0 ('gone')", missing.Message);
        Assert.Contains(dir.File("gone.png"), missing.Message);

        byte[] png = File.ReadAllBytes(dir.File("energy.png"));
        File.WriteAllBytes(dir.File("cut.png"), png[..(png.Length / 2)]);
        var cut = Assert.Throws<InvalidDataException>(() => ReportWriter.Write(
            model with { Figures = [new ReportFigure("cut", "cut.png")] }, dir.Path));
        Assert.Contains("figure 0 ('cut')", cut.Message);
        Assert.Contains("not a valid PNG", cut.Message);

        Assert.False(File.Exists(dir.File("report.html")));
        Assert.False(File.Exists(dir.File("report.md")));
    }
}
