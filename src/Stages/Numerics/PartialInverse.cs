namespace Hnn.Stages.Numerics;

/// <summary>
/// Truncated partial inverses from a thin SVD J = U S V^T: V S^e U^T over the singular values s_i above
/// truncation x s_max (the rest dropped). e = -1 is the pseudo-inverse; e = -1/2 the half-inverse of the half-inverse
/// gradients (HIG) of Schnell, Holl and Thuerey, "Half-Inverse Gradients for Physical Deep Learning" (ICLR 2022).
/// </summary>
public static class PartialInverse
{
    /// <summary>The HIG exponent.</summary>
    public const double HalfExponent = -0.5;

    /// <summary>
    /// V S^e U^T (n x m, column-major) of the m x n matrix <paramref name="j"/>, over the singular values strictly above
    /// <paramref name="truncation"/> x s_max (as the study's truncated <c>pinv</c>: <c>s &gt; rcond * max(s)</c>).
    /// </summary>
    public static double[] HalfInverse(this ILinearAlgebra la, ReadOnlySpan<double> j, int m, int n, double truncation, double exponent)
    {
        ArgumentNullException.ThrowIfNull(la);
        return Matrix(la.Svd(j, m, n), truncation, exponent);
    }

    /// <summary>Number of singular values kept: those strictly above truncation x s_max (0 for a zero matrix).</summary>
    public static int Kept(SvdResult svd, double truncation)
    {
        ArgumentNullException.ThrowIfNull(svd);
        if (!double.IsFinite(truncation) || truncation < 0)
            throw new ArgumentOutOfRangeException(nameof(truncation), truncation, "a finite number >= 0");
        if (svd.Rank == 0)
            return 0;
        var cutoff = truncation * svd.S[0];
        var kept = 0;
        while (kept < svd.Rank && svd.S[kept] > cutoff)
            kept++;
        return kept;
    }

    /// <summary>V S^e U^T (n x m, column-major) from a thin SVD.</summary>
    public static double[] Matrix(SvdResult svd, double truncation, double exponent)
    {
        var kept = Kept(svd, truncation);
        int m = svd.Rows, n = svd.Cols, k = svd.Rank;
        var scaled = Powers(svd, kept, exponent);
        var result = new double[n * m];

        // result[c, r] = sum_p VT[p, c] s_p^e U[r, p].
        for (var r = 0; r < m; r++)
        {
            var column = result.AsSpan(r * n, n);
            for (var p = 0; p < kept; p++)
            {
                var w = scaled[p] * svd.U[p * m + r];
                for (var c = 0; c < n; c++)
                    column[c] += svd.VT[c * k + p] * w;
            }
        }

        return result;
    }

    /// <summary>(V S^e U^T) g for a vector g of length m, without forming the n x m matrix.</summary>
    public static double[] Apply(SvdResult svd, double truncation, double exponent, ReadOnlySpan<double> g)
    {
        var kept = Kept(svd, truncation);
        int m = svd.Rows, n = svd.Cols, k = svd.Rank;
        if (g.Length != m)
            throw new ArgumentException($"g has {g.Length} entries; the matrix has {m} rows.", nameof(g));
        var scaled = Powers(svd, kept, exponent);
        var result = new double[n];
        for (var p = 0; p < kept; p++)
        {
            var dot = 0.0;
            var up = svd.U.AsSpan(p * m, m);
            for (var r = 0; r < m; r++)
                dot += up[r] * g[r];
            var w = scaled[p] * dot;
            for (var c = 0; c < n; c++)
                result[c] += svd.VT[c * k + p] * w;
        }

        return result;
    }

    private static double[] Powers(SvdResult svd, int kept, double exponent)
    {
        if (!double.IsFinite(exponent))
            throw new ArgumentOutOfRangeException(nameof(exponent), exponent, "a finite number");
        var scaled = new double[kept];
        for (var p = 0; p < kept; p++)
            scaled[p] = Math.Pow(svd.S[p], exponent);
        return scaled;
    }
}
