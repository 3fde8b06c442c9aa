namespace Hnn.Pipeline.Report;

/// <summary>
/// A PNG written by <see cref="Plots"/>: its path (absolute), size, and notes on data left out (points not
/// finite, or not positive on a log axis). The notes are also drawn on the plot; a caller may log them.
/// </summary>
public sealed record PlotResult(string Path, int Width, int Height, IReadOnlyList<string> Notes);
