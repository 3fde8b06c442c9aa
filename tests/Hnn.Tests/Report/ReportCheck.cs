using System.Net;
using System.Text.RegularExpressions;
using Hnn.Pipeline.Report;

namespace Hnn.Tests.Report;

/// <summary>
/// The outcome of <see cref="ReportCheck"/>: how many images the report refers to, the valid ones' sizes, and one
/// message per problem (each names the report, the image and what is wrong).
/// </summary>
public sealed record ReportCheckResult(string ReportPath, int ImageCount, IReadOnlyList<PngInfo> Images, IReadOnlyList<string> Problems, int SvgCount = 0)
{
    public bool Ok => Problems.Count == 0;

    /// <summary>Throws <see cref="InvalidDataException"/> listing every problem, if there is any.</summary>
    public ReportCheckResult ThrowIfProblems() =>
        Ok ? this : throw new InvalidDataException($"{ReportPath}: {Problems.Count} image problem(s):\n" + string.Join("\n", Problems));
}

/// <summary>
/// "The report renders without missing images": every image of report.html must be an embedded
/// <c>data:image/png;base64</c> URI holding a valid PNG or a <c>data:image/svg+xml;base64</c> URI holding a well-formed
/// SVG document, and every local link (href) of report.html must name an existing file; every image (and every link to a .png) in report.md must
/// name an existing file, relative to the report, that is a valid PNG. PNG validity is <see cref="PngCheck"/>'s.
/// </summary>
internal static partial class ReportCheck
{
    private const string DataPngPrefix = "data:image/png;base64,";
    private const string DataSvgPrefix = "data:image/svg+xml;base64,";

    /// <summary>Checks the images of an HTML report (any HTML: img tags are found by pattern, not by an XML parser).</summary>
    public static ReportCheckResult Html(string htmlPath)
    {
        string html = File.ReadAllText(htmlPath);
        var images = new List<PngInfo>();
        var problems = new List<string>();
        var tags = ImgTag().Matches(html);
        int svgs = 0;
        for (int k = 0; k < tags.Count; k++)
        {
            string tag = tags[k].Value;
            string name = $"{htmlPath}: image {k + 1}";
            var src = SrcAttribute().Match(tag);
            if (!src.Success)
            {
                problems.Add($"{name}: <img> without a src attribute");
                continue;
            }

            string value = WebUtility.HtmlDecode(src.Groups["v"].Value).Trim();
            if (value.StartsWith(DataSvgPrefix, StringComparison.OrdinalIgnoreCase))
            {
                svgs++;
                try
                {
                    if (!ReportWriter.IsSvg(Convert.FromBase64String(Whitespace().Replace(value[DataSvgPrefix.Length..], ""))))
                    {
                        problems.Add($"{name}: the embedded SVG does not parse as an SVG document (XML)");
                    }
                }
                catch (FormatException)
                {
                    problems.Add($"{name}: the data: URI is not valid base64");
                }

                continue;
            }

            if (!value.StartsWith(DataPngPrefix, StringComparison.OrdinalIgnoreCase))
            {
                string shown = value.Length > 60 ? value[..60] + "..." : value;
                problems.Add($"{name}: src '{shown}' is not an embedded {DataPngPrefix}... URI (the page must be self-contained)");
                continue;
            }

            byte[] bytes;
            try
            {
                bytes = Convert.FromBase64String(Whitespace().Replace(value[DataPngPrefix.Length..], ""));
            }
            catch (FormatException)
            {
                problems.Add($"{name}: the data: URI is not valid base64");
                continue;
            }

            Validate(bytes, name, images, problems);
        }

        // Every local link names a file that exists (relative to the report's folder).
        string folder = Path.GetDirectoryName(Path.GetFullPath(htmlPath))!;
        foreach (Match link in HrefAttribute().Matches(html))
        {
            string target = WebUtility.HtmlDecode(link.Groups["v"].Value).Trim();
            if (target.Length == 0 || target.StartsWith('#') || target.StartsWith("data:", StringComparison.OrdinalIgnoreCase)
                || (Uri.TryCreate(target, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" or "mailto"))
            {
                continue;
            }

            string path = Path.GetFullPath(Path.Combine(folder, Uri.UnescapeDataString(target)));
            if (!File.Exists(path))
            {
                problems.Add($"{htmlPath}: link '{target}': {path} does not exist");
            }
        }

        return new ReportCheckResult(htmlPath, tags.Count, images, problems, svgs);
    }

    /// <summary>
    /// Checks the images of a Markdown report: inline images <c>![alt](target)</c> and links to .png files, outside
    /// fenced code blocks; targets are relative to the report's folder and percent-decoded.
    /// </summary>
    public static ReportCheckResult Markdown(string markdownPath)
    {
        string folder = Path.GetDirectoryName(Path.GetFullPath(markdownPath))!;
        var images = new List<PngInfo>();
        var problems = new List<string>();
        int count = 0;
        foreach (string target in MarkdownTargets(File.ReadAllText(markdownPath)))
        {
            count++;
            string name = $"{markdownPath}: image {count} ('{target}')";
            if (Uri.TryCreate(target, UriKind.Absolute, out var uri) && uri.Scheme is not "file")
            {
                problems.Add($"{name}: not a local file");
                continue;
            }

            string path = Path.GetFullPath(Path.Combine(folder, Uri.UnescapeDataString(target)));
            if (!File.Exists(path))
            {
                problems.Add($"{name}: {path} does not exist");
                continue;
            }

            Validate(File.ReadAllBytes(path), name, images, problems);
        }

        return new ReportCheckResult(markdownPath, count, images, problems);
    }

    /// <summary>Link targets of images, and of links to .png files, outside fenced code blocks.</summary>
    internal static IEnumerable<string> MarkdownTargets(string markdown)
    {
        string? fence = null;
        foreach (string rawLine in markdown.Replace("\r\n", "\n").Split('\n'))
        {
            var open = Fence().Match(rawLine);
            if (fence is null && open.Success)
            {
                fence = open.Groups["f"].Value;
                continue;
            }

            if (fence is not null)
            {
                string trimmed = rawLine.Trim();
                if (trimmed.Length >= fence.Length && trimmed.All(c => c == fence[0]))
                {
                    fence = null;
                }

                continue;
            }

            foreach (Match link in Link().Matches(rawLine))
            {
                string target = link.Groups["angle"].Success ? link.Groups["angle"].Value : link.Groups["plain"].Value;
                bool isImage = link.Groups["bang"].Value == "!";
                if (isImage || target.EndsWith(".png", StringComparison.OrdinalIgnoreCase))
                {
                    yield return target;
                }
            }
        }
    }

    private static void Validate(byte[] bytes, string name, List<PngInfo> images, List<string> problems)
    {
        try
        {
            images.Add(PngCheck.Validate(bytes, name));
        }
        catch (InvalidDataException e)
        {
            problems.Add(e.Message);
        }
    }

    [GeneratedRegex(@"<img\b[^>]*>", RegexOptions.IgnoreCase)]
    private static partial Regex ImgTag();

    [GeneratedRegex(@"\ssrc\s*=\s*(?:""(?<v>[^""]*)""|'(?<v>[^']*)'|(?<v>[^\s""'>]+))", RegexOptions.IgnoreCase)]
    private static partial Regex SrcAttribute();

    [GeneratedRegex(@"\shref\s*=\s*(?:""(?<v>[^""]*)""|'(?<v>[^']*)')", RegexOptions.IgnoreCase)]
    private static partial Regex HrefAttribute();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    [GeneratedRegex(@"^ {0,3}(?<f>`{3,}|~{3,})")]
    private static partial Regex Fence();

    // [text](target) or ![alt](target), target plain or in <...>, an optional "title"; \] and \[ may be escaped in the text.
    [GeneratedRegex(@"(?<bang>!?)\[(?:\\.|[^\]\\])*\]\(\s*(?:<(?<angle>[^>]*)>|(?<plain>[^\s)]+))(?:\s+""[^""]*"")?\s*\)")]
    private static partial Regex Link();
}
