namespace Hnn.Pipeline.Report;

/// <summary>
/// Everything a run report shows, as plain text; <see cref="ReportWriter"/> turns it into report.html and
/// report.md. Strings are raw text (the writer escapes them); empty sections are left out.
/// </summary>
/// <param name="Title">Report title (the run or experiment name).</param>
/// <param name="Description">A paragraph under the title: what was run, on what.</param>
/// <param name="ConfigYaml">The pipeline configuration as run, shown verbatim.</param>
/// <param name="Tables">Result tables, in order.</param>
/// <param name="Figures">Figures, in order; each PNG must lie in the report folder or below it.</param>
/// <param name="ManifestJson">The run manifest, shown verbatim.</param>
/// <param name="Notes">Free notes, one paragraph each.</param>
/// <param name="Summary">The card at the top: the best method, its errors and time, the headline rollout number.</param>
/// <param name="Failures">Every failed rollout or stage with its reason (a section of its own).</param>
public sealed record ReportModel(
    string Title,
    string Description,
    string ConfigYaml,
    IReadOnlyList<ReportTable> Tables,
    IReadOnlyList<ReportFigure> Figures,
    string ManifestJson,
    IReadOnlyList<string> Notes,
    string? Summary = null,
    IReadOnlyList<string>? Failures = null);

/// <summary>A table of strings: every row has as many cells as there are headers.</summary>
public sealed record ReportTable(string Caption, IReadOnlyList<string> Headers, IReadOnlyList<IReadOnlyList<string>> Rows);

/// <summary>
/// A figure: a PNG (absolute, or relative to the report folder) and its caption. report.html embeds it;
/// report.md links it by its path relative to the folder.
/// </summary>
public sealed record ReportFigure(string Caption, string PngPath);

/// <summary>The files <see cref="ReportWriter.Write"/> wrote (absolute paths).</summary>
public sealed record ReportFiles(string HtmlPath, string MarkdownPath);
