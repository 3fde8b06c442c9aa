namespace Hnn.Stages.Hdnn;

/// <summary>Products with a square block of a row-major nf x nf matrix (the small kernels of the H-DNN layers).</summary>
internal static class Matrix
{
    /// <summary>result = A x, A the size x size block of <paramref name="k"/> starting at (row0, col0).</summary>
    public static void Times(ReadOnlySpan<double> k, int nf, int row0, int col0, int size, ReadOnlySpan<double> x, Span<double> result)
    {
        for (var r = 0; r < size; r++)
        {
            double sum = 0;
            var offset = ((row0 + r) * nf) + col0;
            for (var c = 0; c < size; c++)
            {
                sum += k[offset + c] * x[c];
            }

            result[r] = sum;
        }
    }

    /// <summary>result = A^T x + bias (bias may be empty), A as in <see cref="Times"/>.</summary>
    public static void TransposeTimes(ReadOnlySpan<double> k, int nf, int row0, int col0, int size, ReadOnlySpan<double> x, ReadOnlySpan<double> bias, Span<double> result)
    {
        for (var c = 0; c < size; c++)
        {
            result[c] = bias.IsEmpty ? 0 : bias[c];
        }

        for (var r = 0; r < size; r++)
        {
            var offset = ((row0 + r) * nf) + col0;
            var xr = x[r];
            for (var c = 0; c < size; c++)
            {
                result[c] += k[offset + c] * xr;
            }
        }
    }
}
