namespace Hnn.Pipeline.Report;

/// <summary>
/// One panel of <see cref="Plots.HeatmapPanels"/>: a scalar field on the shared grid, <c>Values[i, j]</c> at
/// <c>(xs[i], ys[j])</c>.
/// </summary>
/// <param name="Title">Panel title.</param>
/// <param name="Values">Field values, first index along x, second along y.</param>
/// <param name="Log10">Colour by log10 of the values (ticks labelled as powers of ten); non-positive cells are blank.</param>
/// <param name="ColorLabel">Label of the colour bar (e.g. "H").</param>
/// <param name="ColorRange">Fixed colour range in data units (e.g. shared by true and learned H); null: the data's range.</param>
/// <param name="Contours">Draw contour lines over the colours (when the field is finite and not constant).</param>
public sealed record HeatmapPanel(
    string Title,
    double[,] Values,
    bool Log10 = false,
    string? ColorLabel = null,
    (double Min, double Max)? ColorRange = null,
    bool Contours = true);
