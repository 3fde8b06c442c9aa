namespace Hnn.Stages.Hdnn;

/// <summary>
/// Backward sensitivity matrices (BSM) dy_N / dy_j of a network (Galimberti et al., Section on gradient analysis),
/// from the adjoint: with lambda_N = e_k, lambda_j is row k of dy_N / dy_j.
/// </summary>
public static class BackwardSensitivity
{
    /// <summary>dy_N / dy_j for every row and layer: result[j][i] is the nf x nf matrix (row-major) of row i.</summary>
    public static double[][][] Matrices(HdnnParameters parameters, ReadOnlySpan<double> x, int count)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var a = parameters.Architecture;
        int nf = a.Nf, layers = a.Layers;
        var states = HdnnForward.States(parameters, x, count);
        var result = new double[layers + 1][][];
        for (var j = 0; j <= layers; j++)
        {
            result[j] = new double[count][];
            for (var i = 0; i < count; i++)
            {
                result[j][i] = new double[nf * nf];
            }
        }

        var cotangents = new double[layers + 1][];
        for (var k = 0; k < nf; k++)
        {
            var lambda = new double[count * nf];
            for (var i = 0; i < count; i++)
            {
                lambda[(i * nf) + k] = 1;
            }

            HdnnBackward.Run(parameters, states, count, lambda, null, null, cotangents);
            for (var j = 0; j <= layers; j++)
            {
                for (var i = 0; i < count; i++)
                {
                    Array.Copy(cotangents[j], i * nf, result[j][i], k * nf, nf);
                }
            }
        }

        return result;
    }

    /// <summary>For each layer j = 0..N, the mean over the rows of the spectral norm ||dy_N / dy_j||_2.</summary>
    public static double[] MeanSpectralNorms(HdnnParameters parameters, ReadOnlySpan<double> x, int count)
    {
        var matrices = Matrices(parameters, x, count);
        var nf = parameters.Architecture.Nf;
        return matrices.Select(layer => layer.Average(m => SpectralNorm(m, nf))).ToArray();
    }

    /// <summary>
    /// Largest singular value of a small row-major n x n matrix: sqrt of the largest eigenvalue of A^T A by power
    /// iteration (200 steps from the all-ones vector, plenty for n &lt;= 8 unless the top two singular values tie, when
    /// the value is still right and only the vector is ambiguous).
    /// </summary>
    public static double SpectralNorm(ReadOnlySpan<double> a, int n)
    {
        Span<double> v = stackalloc double[n];
        Span<double> w = stackalloc double[n];
        Span<double> u = stackalloc double[n];
        v.Fill(1 / Math.Sqrt(n));
        double lambda = 0;
        for (var it = 0; it < 200; it++)
        {
            for (var r = 0; r < n; r++)
            {
                double s = 0;
                for (var c = 0; c < n; c++)
                {
                    s += a[(r * n) + c] * v[c];
                }

                u[r] = s;
            }

            for (var c = 0; c < n; c++)
            {
                double s = 0;
                for (var r = 0; r < n; r++)
                {
                    s += a[(r * n) + c] * u[r];
                }

                w[c] = s;
            }

            double norm = 0;
            foreach (var e in w)
            {
                norm += e * e;
            }

            norm = Math.Sqrt(norm);
            if (norm == 0)
            {
                return 0;
            }

            lambda = norm;
            for (var c = 0; c < n; c++)
            {
                v[c] = w[c] / norm;
            }
        }

        return Math.Sqrt(lambda);
    }
}
