namespace Hnn.Stages.Sampling;

/// <summary>
/// Some of the training points, fetched by index: <see cref="Indices"/> ascending and distinct, <c>X[i][j]</c> =
/// coordinate i of point Indices[j]; <see cref="H"/> (optional) the function values there. Lets the SWIM samplers work
/// on the points their candidate pairs touch without all of x in memory.
/// </summary>
public sealed record PointSubset
{
    public PointSubset(int[] indices, double[][] x, double[]? h = null)
    {
        ArgumentNullException.ThrowIfNull(indices);
        ArgumentNullException.ThrowIfNull(x);
        for (var j = 1; j < indices.Length; j++)
        {
            if (indices[j] <= indices[j - 1])
            {
                throw new ArgumentException($"indices must be ascending and distinct; entry {j} is {indices[j]} after {indices[j - 1]}", nameof(indices));
            }
        }

        if (x.Any(c => c.Length != indices.Length) || (h is not null && h.Length != indices.Length))
        {
            throw new ArgumentException($"every column (and H) must have {indices.Length} entries, one per index", nameof(x));
        }

        Indices = indices;
        X = x;
        H = h;
    }

    public int[] Indices { get; }

    public double[][] X { get; }

    public double[]? H { get; }

    public int Count => Indices.Length;

    /// <summary>Position of point <paramref name="index"/> in the subset; throws if it was not fetched.</summary>
    public int Position(int index)
    {
        var j = Array.BinarySearch(Indices, index);
        if (j < 0)
        {
            throw new ArgumentException($"point {index} is not in the subset", nameof(index));
        }

        return j;
    }
}
