using ScottPlot;

namespace Hnn.Pipeline.Report;

/// <summary>
/// The decision regions of a 2-D classifier over its data (as in the reference's README figures): the predicted class
/// on a grid over the box as the background, the test points on top coloured by their label.
/// </summary>
public static class DecisionRegionPlot
{
    /// <summary>
    /// Writes a PNG. <paramref name="score"/> maps row-major (count x 2) points to scores, &gt;= 0 meaning class 1;
    /// <paramref name="box"/> is [xmin, xmax, ymin, ymax].
    /// </summary>
    public static void Write(
        string path, string title, double[] box, Func<double[], int, double[]> score, double[] pointsX, double[] pointsY, int[] labels, int grid = 150)
    {
        ArgumentNullException.ThrowIfNull(box);
        ArgumentNullException.ThrowIfNull(score);
        ArgumentNullException.ThrowIfNull(labels);
        var xy = new double[grid * grid * 2];
        for (var r = 0; r < grid; r++)
        {
            for (var c = 0; c < grid; c++)
            {
                var at = (r * grid) + c;
                xy[2 * at] = box[0] + ((box[1] - box[0]) * c / (grid - 1));
                xy[(2 * at) + 1] = box[3] - ((box[3] - box[2]) * r / (grid - 1)); // row 0 at the top
            }
        }

        var s = score(xy, grid * grid);
        var cells = new double[grid, grid];
        for (var r = 0; r < grid; r++)
        {
            for (var c = 0; c < grid; c++)
            {
                cells[r, c] = s[(r * grid) + c] >= 0 ? 1 : 0;
            }
        }

        var plot = new Plot();
        var heatmap = plot.Add.Heatmap(cells);
        heatmap.Extent = new CoordinateRect(box[0], box[1], box[2], box[3]);
        heatmap.CellAlignment = Alignment.MiddleCenter;
        heatmap.Colormap = new ScottPlot.Colormaps.Custom([Color.FromHex("#a6c3e0"), Color.FromHex("#e0b3a0")]);
        heatmap.ManualRange = new ScottPlot.Range(0, 1);
        for (var label = 0; label < 2; label++)
        {
            var xs = pointsX.Where((_, i) => labels[i] == label).ToArray();
            var ys = pointsY.Where((_, i) => labels[i] == label).ToArray();
            var points = plot.Add.ScatterPoints(xs, ys, label == 1 ? Colors.Red : Colors.Blue);
            points.MarkerSize = 2;
        }

        plot.Title(title);
        plot.Axes.SetLimits(box[0], box[1], box[2], box[3]);
        plot.SavePng(path, 640, 480);
    }
}
