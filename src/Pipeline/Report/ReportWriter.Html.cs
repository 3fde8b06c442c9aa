using System.Globalization;
using System.Text;

namespace Hnn.Pipeline.Report;

public static partial class ReportWriter
{
    // No '<' or '&' in here: the style element must stay well-formed XML.
    private const string Css = """
        body { font-family: system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; color: #1d1d1f; background: #fff; margin: 0; line-height: 1.5; }
        main { max-width: 1100px; margin: 0 auto; padding: 1.5rem 2rem 4rem; }
        h1 { margin-bottom: 0.25rem; }
        h2 { border-bottom: 1px solid #ddd; padding-bottom: 0.2rem; margin-top: 2.5rem; }
        nav a { margin-right: 1rem; }
        .description { color: #444; }
        table { border-collapse: collapse; margin: 1rem 0 2rem; font-size: 0.92rem; }
        caption { caption-side: top; text-align: left; font-weight: 600; padding-bottom: 0.4rem; }
        th, td { border: 1px solid #d0d0d0; padding: 0.3rem 0.6rem; text-align: left; vertical-align: top; }
        th { background: #f3f4f6; }
        td.num { text-align: right; font-variant-numeric: tabular-nums; }
        tbody tr:nth-child(even) { background: #fafafa; }
        figure { margin: 1.5rem 0 2.5rem; }
        figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
        figcaption { color: #444; font-size: 0.92rem; margin-top: 0.3rem; }
        pre { background: #f6f8fa; border: 1px solid #e1e4e8; padding: 0.8rem; overflow-x: auto; font-size: 0.85rem; }
        ul.notes li { margin-bottom: 0.4rem; }
        p.summary { background: #eef6ee; border-left: 4px solid #009E73; padding: 0.7rem 1rem; font-size: 1.02rem; }
        ul.failures li { margin-bottom: 0.4rem; color: #8a1c00; }
        """;

    private static string Html(ReportModel model, IReadOnlyList<Figure> figures)
    {
        var h = new StringBuilder();
        h.Append("<!DOCTYPE html>\n");
        h.Append("<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n");
        h.Append("<meta charset=\"utf-8\" />\n");
        h.Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\" />\n");
        h.Append("<title>").Append(Escape(model.Title)).Append("</title>\n");
        h.Append("<style>\n").Append(Css).Append("\n</style>\n</head>\n<body>\n<main>\n");
        h.Append("<h1>").Append(Escape(model.Title)).Append("</h1>\n");
        foreach (string paragraph in Paragraphs(model.Description))
        {
            h.Append("<p class=\"description\">").Append(EscapeLines(paragraph)).Append("</p>\n");
        }

        if (!string.IsNullOrWhiteSpace(model.Summary))
        {
            h.Append("<p class=\"summary\">").Append(EscapeLines(model.Summary)).Append("</p>\n");
        }

        var sections = Sections(model);
        if (sections.Count > 1)
        {
            h.Append("<nav>");
            foreach (var (id, heading) in sections)
            {
                h.Append("<a href=\"#").Append(id).Append("\">").Append(heading).Append("</a>");
            }

            h.Append("</nav>\n");
        }

        if (model.Tables.Count > 0)
        {
            h.Append("<section id=\"results\">\n<h2>Results</h2>\n");
            for (int t = 0; t < model.Tables.Count; t++)
            {
                AppendTable(h, model.Tables[t], t + 1);
            }

            h.Append("</section>\n");
        }

        if (model.Failures is { Count: > 0 } failures)
        {
            h.Append("<section id=\"failures\">\n<h2>Failures</h2>\n<ul class=\"failures\">\n");
            foreach (string failure in failures)
            {
                h.Append("<li>").Append(EscapeLines(failure)).Append("</li>\n");
            }

            h.Append("</ul>\n</section>\n");
        }

        if (figures.Count > 0)
        {
            h.Append("<section id=\"figures\">\n<h2>Figures</h2>\n");
            for (int f = 0; f < figures.Count; f++)
            {
                var fig = figures[f];
                h.Append("<figure id=\"figure-").Append(f + 1).Append("\">\n");
                h.Append(fig.Svg is { } svgBytes
                    ? "<img src=\"data:image/svg+xml;base64," + Convert.ToBase64String(svgBytes)
                    : "<img src=\"data:image/png;base64," + Convert.ToBase64String(fig.Bytes)).Append('"');
                h.Append(" alt=\"").Append(Escape(fig.Caption)).Append('"');
                h.Append(" width=\"").Append(fig.Info.Width.ToString(CultureInfo.InvariantCulture)).Append('"');
                h.Append(" height=\"").Append(fig.Info.Height.ToString(CultureInfo.InvariantCulture)).Append("\" />\n");
                h.Append("<figcaption><strong>Figure ").Append(f + 1).Append(".</strong> ").Append(EscapeLines(fig.Caption));
                var svg = Path.ChangeExtension(fig.RelativePath, ".svg");
                if (fig.HasSvg)
                {
                    h.Append(" (files: <a href=\"").Append(Escape(svg.Replace('\\', '/'))).Append("\">SVG</a>, <a href=\"")
                        .Append(Escape(fig.RelativePath)).Append("\">PNG</a>)");
                }

                h.Append("</figcaption>\n</figure>\n");
            }

            h.Append("</section>\n");
        }

        if (model.Notes.Count > 0)
        {
            h.Append("<section id=\"notes\">\n<h2>Notes</h2>\n<ul class=\"notes\">\n");
            foreach (string note in model.Notes)
            {
                h.Append("<li>").Append(EscapeLines(note)).Append("</li>\n");
            }

            h.Append("</ul>\n</section>\n");
        }

        AppendVerbatim(h, "config", "Configuration", model.ConfigYaml);
        AppendVerbatim(h, "manifest", "Run manifest", model.ManifestJson);
        h.Append("</main>\n</body>\n</html>\n");
        return h.ToString();
    }

    private static List<(string Id, string Heading)> Sections(ReportModel model)
    {
        var sections = new List<(string, string)>();
        if (model.Tables.Count > 0)
        {
            sections.Add(("results", "Results"));
        }

        if (model.Failures is { Count: > 0 })
        {
            sections.Add(("failures", "Failures"));
        }

        if (model.Figures.Count > 0)
        {
            sections.Add(("figures", "Figures"));
        }

        if (model.Notes.Count > 0)
        {
            sections.Add(("notes", "Notes"));
        }

        if (!string.IsNullOrWhiteSpace(model.ConfigYaml))
        {
            sections.Add(("config", "Configuration"));
        }

        if (!string.IsNullOrWhiteSpace(model.ManifestJson))
        {
            sections.Add(("manifest", "Run manifest"));
        }

        return sections;
    }

    private static void AppendTable(StringBuilder h, ReportTable table, int number)
    {
        h.Append("<table>\n<caption>Table ").Append(number).Append(". ").Append(EscapeLines(table.Caption)).Append("</caption>\n");
        h.Append("<thead><tr>");
        foreach (string header in table.Headers)
        {
            h.Append("<th>").Append(EscapeLines(header)).Append("</th>");
        }

        h.Append("</tr></thead>\n<tbody>\n");
        foreach (var row in table.Rows)
        {
            h.Append("<tr>");
            foreach (string cell in row)
            {
                h.Append(IsNumber(cell) ? "<td class=\"num\">" : "<td>").Append(EscapeLines(cell)).Append("</td>");
            }

            h.Append("</tr>\n");
        }

        h.Append("</tbody>\n</table>\n");
    }

    private static void AppendVerbatim(StringBuilder h, string id, string heading, string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return;
        }

        h.Append("<section id=\"").Append(id).Append("\">\n<h2>").Append(heading).Append("</h2>\n");
        h.Append("<pre><code>").Append(Escape(text.TrimEnd())).Append("</code></pre>\n</section>\n");
    }

    private static bool IsNumber(string? cell) =>
        double.TryParse(cell?.Trim().TrimEnd('%'), NumberStyles.Float, CultureInfo.InvariantCulture, out _);

    /// <summary>Blank-line separated paragraphs of <paramref name="text"/>.</summary>
    private static IEnumerable<string> Paragraphs(string? text) =>
        (text ?? "").Replace("\r\n", "\n").Split("\n\n", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>Escaped text with line breaks kept as br elements.</summary>
    private static string EscapeLines(string? text) =>
        string.Join("<br />", (text ?? "").Replace("\r\n", "\n").Split('\n').Select(Escape));

    /// <summary>
    /// HTML-escapes text so it can go into element content or a quoted attribute; characters XML forbids
    /// (most controls, unpaired surrogates) become U+FFFD so the page stays well-formed.
    /// </summary>
    internal static string Escape(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return "";
        }

        var sb = new StringBuilder(text.Length + 16);
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            switch (c)
            {
                case '&': sb.Append("&amp;"); break;
                case '<': sb.Append("&lt;"); break;
                case '>': sb.Append("&gt;"); break;
                case '"': sb.Append("&quot;"); break;
                case '\'': sb.Append("&#39;"); break;
                case '\t' or '\n' or '\r': sb.Append(c); break;
                case < ' ' or '\uFFFE' or '\uFFFF': sb.Append('\uFFFD'); break;
                default:
                    if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                    {
                        sb.Append(c).Append(text[++i]);
                    }
                    else
                    {
                        sb.Append(char.IsSurrogate(c) ? '\uFFFD' : c);
                    }

                    break;
            }
        }

        return sb.ToString();
    }
}
