using System.Text;

namespace Hnn.Pipeline.Report;

public static partial class ReportWriter
{
    private static string Markdown(ReportModel model, IReadOnlyList<Figure> figures)
    {
        var m = new StringBuilder();
        m.Append("# ").Append(MdInline(model.Title)).Append("\n\n");
        foreach (string paragraph in Paragraphs(model.Description))
        {
            m.Append(MdLines(paragraph)).Append("\n\n");
        }

        if (!string.IsNullOrWhiteSpace(model.Summary))
        {
            m.Append("> **Summary.** ").Append(MdInline(model.Summary)).Append("\n\n");
        }

        if (model.Tables.Count > 0)
        {
            m.Append("## Results\n\n");
            for (int t = 0; t < model.Tables.Count; t++)
            {
                var table = model.Tables[t];
                m.Append("**Table ").Append(t + 1).Append(".** ").Append(MdInline(table.Caption)).Append("\n\n");
                m.Append("| ").Append(string.Join(" | ", table.Headers.Select(MdCell))).Append(" |\n");
                m.Append("| ").Append(string.Join(" | ", table.Headers.Select(_ => "---"))).Append(" |\n");
                foreach (var row in table.Rows)
                {
                    m.Append("| ").Append(string.Join(" | ", row.Select(MdCell))).Append(" |\n");
                }

                m.Append('\n');
            }
        }

        if (model.Failures is { Count: > 0 } failures)
        {
            m.Append("## Failures\n\n");
            foreach (string failure in failures)
            {
                m.Append("- ").Append(MdInline(failure)).Append('\n');
            }

            m.Append('\n');
        }

        if (figures.Count > 0)
        {
            m.Append("## Figures\n\n");
            for (int f = 0; f < figures.Count; f++)
            {
                var fig = figures[f];
                m.Append("![").Append(MdInline(fig.Caption)).Append("](").Append(MdUrl(fig.RelativePath)).Append(")\n\n");
                m.Append("*Figure ").Append(f + 1).Append(".* ").Append(MdInline(fig.Caption)).Append("\n\n");
            }
        }

        if (model.Notes.Count > 0)
        {
            m.Append("## Notes\n\n");
            foreach (string note in model.Notes)
            {
                m.Append("- ").Append(MdInline(note)).Append('\n');
            }

            m.Append('\n');
        }

        AppendFenced(m, "Configuration", "yaml", model.ConfigYaml);
        AppendFenced(m, "Run manifest", "json", model.ManifestJson);
        return m.ToString().TrimEnd('\n') + "\n";
    }

    private static void AppendFenced(StringBuilder m, string heading, string language, string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return;
        }

        // The fence is longer than any run of backticks inside, so the text cannot close it.
        int longest = 0;
        int run = 0;
        foreach (char c in text)
        {
            run = c == '`' ? run + 1 : 0;
            longest = Math.Max(longest, run);
        }

        string fence = new('`', Math.Max(3, longest + 1));
        m.Append("## ").Append(heading).Append("\n\n");
        m.Append(fence).Append(language).Append('\n').Append(text.Replace("\r\n", "\n").TrimEnd()).Append('\n').Append(fence).Append("\n\n");
    }

    /// <summary>Backslash-escapes the characters that would start Markdown syntax inside a line; '&amp;', '&lt;' as entities.</summary>
    private static string MdInline(string? text)
    {
        var sb = new StringBuilder();
        foreach (char c in (text ?? "").Replace("\r\n", "\n").Replace('\n', ' '))
        {
            switch (c)
            {
                case '\\' or '`' or '*' or '_' or '[' or ']' or '#' or '!' or '|' or '~' or '(' or ')' or '{' or '}':
                    sb.Append('\\').Append(c);
                    break;
                case '<': sb.Append("&lt;"); break;
                case '>': sb.Append("&gt;"); break;
                case '&': sb.Append("&amp;"); break;
                default: sb.Append(c); break;
            }
        }

        return sb.ToString();
    }

    /// <summary>Inline text with its line breaks kept (two spaces before the newline).</summary>
    private static string MdLines(string text) =>
        string.Join("  \n", text.Replace("\r\n", "\n").Split('\n').Select(MdInline));

    private static string MdCell(string? text) =>
        string.Join("<br>", (text ?? "").Replace("\r\n", "\n").Split('\n').Select(MdInline));

    /// <summary>A relative '/'-separated path as a link target: each segment percent-encoded.</summary>
    private static string MdUrl(string relativePath) =>
        string.Join('/', relativePath.Split('/').Select(Uri.EscapeDataString));
}
