namespace Hnn.Datasets;

/// <summary>
/// A two-class 2-D benchmark embedded in nf features: row-major count x nf inputs (the two coordinates at features 0
/// and nf - 1, zeros elsewhere, as the reference's _data_extension does by default), labels 0 or 1, and the plotting box.
/// </summary>
public sealed record Classification2D(string Name, double[] X, int[] Labels, int Nf, double[] Box)
{
    /// <summary>Number of points.</summary>
    public int Count => Labels.Length;

    /// <summary>Rows at even indices (the reference's training partition, range(0, n, 2)).</summary>
    public (double[] X, int[] Labels) Train => Take(0);

    /// <summary>Rows at odd indices (the reference's test partition, range(1, n, 2)).</summary>
    public (double[] X, int[] Labels) Test => Take(1);

    private (double[] X, int[] Labels) Take(int first)
    {
        var n = (Count - first + 1) / 2;
        var x = new double[n * Nf];
        var labels = new int[n];
        for (var i = 0; i < n; i++)
        {
            var src = first + (2 * i);
            Array.Copy(X, src * Nf, x, i * Nf, Nf);
            labels[i] = Labels[src];
        }

        return (x, labels);
    }
}
