using System.Text;

namespace Hnn.Pipeline.Report;

/// <summary>
/// Writes a run report into a folder: <see cref="HtmlFileName"/>, one self-contained file (inline CSS, every
/// figure embedded as a base64 data: URI — its SVG where one lies beside the PNG and parses, so the page zooms crisply,
/// else the PNG —, all text HTML-escaped, well-formed XML), and <see cref="MarkdownFileName"/>,
/// which links the figures by their paths relative to the folder. Every figure is checked with
/// <see cref="PngCheck"/> before anything is written; the same model always gives the same bytes.
/// </summary>
public static partial class ReportWriter
{
    public const string HtmlFileName = "report.html";

    public const string MarkdownFileName = "report.md";

    private static readonly UTF8Encoding Utf8NoBom = new(encoderShouldEmitUTF8Identifier: false);

    /// <summary>Writes report.html and report.md into <paramref name="folder"/> (created if missing).</summary>
    /// <exception cref="ArgumentException">A table row has the wrong number of cells, or a figure lies outside the folder.</exception>
    /// <exception cref="InvalidDataException">A figure is missing or not a valid PNG (the message names it).</exception>
    public static ReportFiles Write(ReportModel model, string folder)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        Validate(model);
        string root = Path.GetFullPath(folder);
        var figures = model.Figures.Select((f, i) => Resolve(f, i, root)).ToList();

        Directory.CreateDirectory(root);
        string html = Path.Combine(root, HtmlFileName);
        string markdown = Path.Combine(root, MarkdownFileName);
        WriteText(html, Html(model, figures));
        WriteText(markdown, Markdown(model, figures));
        return new ReportFiles(html, markdown);
    }

    private static void Validate(ReportModel model)
    {
        ArgumentNullException.ThrowIfNull(model.Tables, nameof(model.Tables));
        ArgumentNullException.ThrowIfNull(model.Figures, nameof(model.Figures));
        ArgumentNullException.ThrowIfNull(model.Notes, nameof(model.Notes));
        for (int t = 0; t < model.Tables.Count; t++)
        {
            var table = model.Tables[t] ?? throw new ArgumentException($"table {t} is null", nameof(model));
            if (table.Headers is null || table.Rows is null || table.Headers.Count == 0)
            {
                throw new ArgumentException($"table {t} ('{table.Caption}') needs headers and rows", nameof(model));
            }

            for (int r = 0; r < table.Rows.Count; r++)
            {
                int cells = table.Rows[r]?.Count ?? -1;
                if (cells != table.Headers.Count)
                {
                    throw new ArgumentException(
                        $"table {t} ('{table.Caption}') row {r} has {(cells < 0 ? "no" : cells.ToString(System.Globalization.CultureInfo.InvariantCulture))} " +
                        $"cells but there are {table.Headers.Count} headers",
                        nameof(model));
                }
            }
        }
    }

    private static Figure Resolve(ReportFigure figure, int index, string root)
    {
        if (figure is null || string.IsNullOrWhiteSpace(figure.PngPath))
        {
            throw new ArgumentException($"figure {index} is null or has no PNG path", nameof(figure));
        }

        string full = Path.GetFullPath(Path.Combine(root, figure.PngPath));
        string relative = Path.GetRelativePath(root, full);
        if (Path.IsPathRooted(relative) || relative == ".." || relative.StartsWith(".." + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw new ArgumentException(
                $"figure {index} ('{figure.Caption}'): {full} is outside the report folder {root}; write the PNG into the folder " +
                "or a subfolder so that report.md can link it",
                nameof(figure));
        }

        byte[] bytes;
        PngInfo info;
        try
        {
            bytes = File.ReadAllBytes(full);
            info = PngCheck.Validate(bytes, full);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            throw new InvalidDataException($"figure {index} ('{figure.Caption}'): {e.Message}", e);
        }

        return new Figure(figure.Caption ?? "", relative.Replace(Path.DirectorySeparatorChar, '/'), info, bytes, ReadSvg(Path.ChangeExtension(full, ".svg")));
    }

    /// <summary>The SVG beside a figure's PNG, if there is one and it is a well-formed SVG document; else null (the PNG is shown).</summary>
    internal static byte[]? ReadSvg(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        var bytes = File.ReadAllBytes(path);
        return IsSvg(bytes) ? bytes : null;
    }

    /// <summary>Whether <paramref name="bytes"/> parse as XML (no DTD) with an svg root element in the SVG namespace.</summary>
    public static bool IsSvg(byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        try
        {
            using var stream = new MemoryStream(bytes);
            using var reader = System.Xml.XmlReader.Create(stream, new System.Xml.XmlReaderSettings { DtdProcessing = System.Xml.DtdProcessing.Prohibit, XmlResolver = null });
            var root = System.Xml.Linq.XDocument.Load(reader).Root;
            return root is not null && root.Name == System.Xml.Linq.XName.Get("svg", "http://www.w3.org/2000/svg");
        }
        catch (System.Xml.XmlException)
        {
            return false;
        }
    }

    private static void WriteText(string path, string text)
    {
        string tmp = $"{path}.tmp-{Guid.NewGuid():N}";
        File.WriteAllText(tmp, text, Utf8NoBom);
        File.Move(tmp, path, overwrite: true);
    }

    /// <summary>A figure checked and read: its path relative to the report folder ('/'-separated) and its bytes.</summary>
    private sealed record Figure(string Caption, string RelativePath, PngInfo Info, byte[] Bytes, byte[]? Svg)
    {
        public bool HasSvg => Svg is not null;
    }
}
