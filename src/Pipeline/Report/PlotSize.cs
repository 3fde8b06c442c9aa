namespace Hnn.Pipeline.Report;

/// <summary>Size of a PNG in pixels. <see cref="Default"/> is 1000x600 (the legend stands beside the data).</summary>
public readonly record struct PlotSize(int Width, int Height)
{
    /// <summary>The largest width or height accepted, to catch a mistyped size before a huge allocation.</summary>
    public const int MaxSide = 10_000;

    public static PlotSize Default => new(1000, 600);

    /// <summary>Three panels side by side (see <see cref="Plots.HeatmapPanels"/>).</summary>
    public static PlotSize Wide => new(1800, 600);

    internal void Validate()
    {
        if (Width is < 1 or > MaxSide || Height is < 1 or > MaxSide)
        {
            throw new ArgumentOutOfRangeException(
                nameof(PlotSize), this, $"plot size must be 1..{MaxSide} pixels each way; got {Width}x{Height}");
        }
    }
}
