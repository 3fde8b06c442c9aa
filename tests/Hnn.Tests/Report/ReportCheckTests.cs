using Hnn.Pipeline.Report;
using Xunit;

namespace Hnn.Tests.Report;

public sealed class ReportCheckTests
{
    private static string DataUri(byte[] png) => "data:image/png;base64," + Convert.ToBase64String(png);

    [Fact]
    public void Html_with_only_valid_embedded_pngs_passes()
    {
        using var dir = new ReportDir();
        string path = dir.File("page.html");
        File.WriteAllText(path, $"<html><body><img alt='a' src=\"{DataUri(TestPng.Valid(4, 2))}\"><IMG SRC='{DataUri(TestPng.Valid(3, 3))}' /></body></html>");
        var result = ReportCheck.Html(path);
        Assert.True(result.Ok, string.Join("\n", result.Problems));
        Assert.Equal(2, result.ImageCount);
        Assert.Equal([(4, 2), (3, 3)], result.Images.Select(i => (i.Width, i.Height)).ToArray());
    }

    [Fact]
    public void Html_embedded_svgs_must_parse_and_local_links_must_exist()
    {
        using var dir = new ReportDir();
        string path = dir.File("page.html");
        Directory.CreateDirectory(dir.File("figures"));
        File.WriteAllBytes(dir.File("figures", "a.svg"), "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"4\" height=\"2\"/>"u8.ToArray());
        static string Svg(string xml) => "data:image/svg+xml;base64," + Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(xml));
        File.WriteAllText(path, string.Join(
            "\n",
            $"<img src=\"{Svg("<svg xmlns=\"http://www.w3.org/2000/svg\"><text>a &amp; b</text></svg>")}\" />",
            $"<img src=\"{Svg("<svg xmlns=\"http://www.w3.org/2000/svg\"><text>a & b</text></svg>")}\" />", // '&' unescaped: not XML
            $"<img src=\"{Svg("<svg><text>no namespace</text></svg>")}\" />",
            "<a href=\"figures/a.svg\">SVG</a> <a href=\"#top\">top</a> <a href=\"https://example.org/x\">web</a>",
            "<a href=\"figures/missing.png\">PNG</a>"));

        var result = ReportCheck.Html(path);
        Assert.Equal(3, result.ImageCount);
        Assert.Equal(3, result.SvgCount);
        Assert.Equal(3, result.Problems.Count);
        Assert.Contains("image 2: the embedded SVG does not parse", result.Problems[0]);
        Assert.Contains("image 3: the embedded SVG does not parse", result.Problems[1]);
        Assert.Contains("link 'figures/missing.png'", result.Problems[2]);
    }

    [Fact]
    public void Html_reports_every_missing_external_or_broken_image()
    {
        using var dir = new ReportDir();
        byte[] corrupt = TestPng.Valid();
        corrupt[^4] ^= 1; // IEND's CRC
        string path = dir.File("page.html");
        File.WriteAllText(path, string.Join(
            "\n",
            "<img src=\"plot.png\" />",
            $"<img src=\"{DataUri(corrupt)}\" />",
            "<img src=\"data:image/png;base64,@@@\" />",
            "<img alt=\"no source\" />",
            "<img src=\"data:image/jpeg;base64,AAAA\" />",
            $"<img src=\"{DataUri(TestPng.Valid())}\" />"));

        var result = ReportCheck.Html(path);
        Assert.False(result.Ok);
        Assert.Equal(6, result.ImageCount);
        Assert.Single(result.Images);
        Assert.Equal(5, result.Problems.Count);
        Assert.Contains("image 1: src 'plot.png' is not an embedded", result.Problems[0]);
        Assert.Contains("image 2: not a valid PNG: chunk 4 ('IEND') at byte", result.Problems[1]);
        Assert.Contains("image 3: the data: URI is not valid base64", result.Problems[2]);
        Assert.Contains("image 4: <img> without a src", result.Problems[3]);
        Assert.Contains("image 5: src 'data:image/jpeg", result.Problems[4]);
        Assert.All(result.Problems, p => Assert.StartsWith(path, p));

        var e = Assert.Throws<InvalidDataException>(() => result.ThrowIfProblems());
        Assert.Contains("5 image problem(s)", e.Message);
    }

    [Fact]
    public void Markdown_checks_images_and_png_links_but_not_code_blocks_or_other_links()
    {
        using var dir = new ReportDir();
        Directory.CreateDirectory(dir.File("figs"));
        File.WriteAllBytes(dir.File("figs", "a b.png"), TestPng.Valid(6, 2));
        byte[] cut = TestPng.Valid();
        File.WriteAllBytes(dir.File("cut.png"), cut[..^4]);
        string path = dir.File("report.md");
        File.WriteAllText(path, string.Join(
            "\n",
            "# Report",
            "![ok \\[1\\]](figs/a%20b.png)",
            "![ok](<figs/a b.png> \"title\")",
            "[download](figs/a%20b.png) and [a page](other.html)",
            "```yaml",
            "![inside a fence](nowhere.png)",
            "```",
            "![missing](missing.png)",
            "![truncated](cut.png)",
            "![remote](https://example.invalid/x.png)"));

        var result = ReportCheck.Markdown(path);
        Assert.Equal(6, result.ImageCount);
        Assert.Equal(3, result.Images.Count);
        Assert.All(result.Images, i => Assert.Equal((6, 2), (i.Width, i.Height)));
        Assert.Equal(3, result.Problems.Count);
        Assert.Contains("('missing.png')", result.Problems[0]);
        Assert.Contains("does not exist", result.Problems[0]);
        Assert.Contains("('cut.png'): not a valid PNG", result.Problems[1]);
        Assert.Contains("not a local file", result.Problems[2]);
    }
}
