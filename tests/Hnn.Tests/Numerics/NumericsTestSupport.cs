using Hnn.Stages.Numerics;
using Xunit;

namespace Hnn.Tests.Numerics;

/// <summary>[Fact] that is skipped only when the LAPACK library genuinely cannot be loaded.</summary>
public sealed class LapackFactAttribute : FactAttribute
{
    public LapackFactAttribute()
    {
        if (!Backends.LapackAvailable(out var reason))
            Skip = "LAPACK not available: " + reason;
    }
}

/// <summary>[Theory] that is skipped only when the LAPACK library genuinely cannot be loaded.</summary>
public sealed class LapackTheoryAttribute : TheoryAttribute
{
    public LapackTheoryAttribute()
    {
        if (!Backends.LapackAvailable(out var reason))
            Skip = "LAPACK not available: " + reason;
    }
}

internal static class Backends
{
    public static bool LapackAvailable(out string reason) => LapackLinearAlgebra.TryCreate(out _, out reason);

    public static LapackLinearAlgebra Lapack() =>
        LapackLinearAlgebra.TryCreate(out var backend, out var reason)
            ? backend
            : throw new InvalidOperationException("LAPACK expected to be available: " + reason);

    public static ILinearAlgebra Get(string name) => name switch
    {
        "managed" => new ManagedLinearAlgebra(),
        "lapack" => Lapack(),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };
}

/// <summary>Column-major dense helpers for building test problems with known answers.</summary>
internal static class Dense
{
    public static double[] Random(Random rng, int m, int n)
    {
        var a = new double[m * n];
        for (var i = 0; i < a.Length; i++)
            a[i] = 2 * rng.NextDouble() - 1;
        return a;
    }

    /// <summary>C = op(A) op(B); A is ra x ca as stored.</summary>
    public static double[] Multiply(double[] a, int ra, int ca, double[] b, int rb, int cb, bool transposeA = false, bool transposeB = false)
    {
        var (m, k) = transposeA ? (ca, ra) : (ra, ca);
        var (k2, n) = transposeB ? (cb, rb) : (rb, cb);
        Assert.Equal(k, k2);
        var c = new double[m * n];
        for (var j = 0; j < n; j++)
            for (var i = 0; i < m; i++)
            {
                var sum = 0.0;
                for (var p = 0; p < k; p++)
                {
                    var aip = transposeA ? a[i * ra + p] : a[p * ra + i];
                    var bpj = transposeB ? b[p * rb + j] : b[j * rb + p];
                    sum += aip * bpj;
                }

                c[j * m + i] = sum;
            }

        return c;
    }

    /// <summary>m x k matrix with orthonormal columns (modified Gram-Schmidt, applied twice, of a random matrix).</summary>
    public static double[] Orthonormal(Random rng, int m, int k)
    {
        var q = Random(rng, m, k);
        for (var pass = 0; pass < 2; pass++)
        {
            for (var j = 0; j < k; j++)
            {
                var qj = q.AsSpan(j * m, m);
                for (var p = 0; p < j; p++)
                {
                    var qp = q.AsSpan(p * m, m);
                    var d = Dot(qp, qj);
                    for (var i = 0; i < m; i++)
                        qj[i] -= d * qp[i];
                }

                var norm = Math.Sqrt(Dot(qj, qj));
                for (var i = 0; i < m; i++)
                    qj[i] /= norm;
            }
        }

        return q;
    }

    /// <summary>A = U diag(s) V^T (m x n, m &gt;= n) with the given singular values; returns U (m x n) and V (n x n) too.</summary>
    public static double[] WithSingularValues(Random rng, int m, int n, double[] s, out double[] u, out double[] v)
    {
        u = Orthonormal(rng, m, n);
        v = Orthonormal(rng, n, n);
        var us = (double[])u.Clone();
        for (var j = 0; j < n; j++)
            for (var i = 0; i < m; i++)
                us[j * m + i] *= s[j];
        return Multiply(us, m, n, v, n, n, transposeB: true);
    }

    /// <summary>Minimum-norm solution from a known SVD: V diag(1/s_i for i &lt; rank) U^T b.</summary>
    public static double[] PseudoInverseSolve(double[] u, double[] s, double[] v, int m, int n, int rank, double[] b, int nrhs)
    {
        var utb = Multiply(u, m, n, b, m, nrhs, transposeA: true); // n x nrhs
        for (var j = 0; j < nrhs; j++)
            for (var i = 0; i < n; i++)
                utb[j * n + i] = i < rank ? utb[j * n + i] / s[i] : 0;
        return Multiply(v, n, n, utb, n, nrhs);
    }

    /// <summary>Reference R of a one-shot QR: plain unblocked Householder; row signs normalised to a non-negative diagonal.</summary>
    public static double[] ReferenceR(double[] a, int m, int n)
    {
        var w = (double[])a.Clone();
        var k = Math.Min(m, n);
        for (var j = 0; j < k; j++)
        {
            var norm = 0.0;
            for (var i = j; i < m; i++)
                norm += w[j * m + i] * w[j * m + i];
            norm = Math.Sqrt(norm);
            if (norm == 0)
                continue;
            var alpha = w[j * m + j];
            var beta = alpha >= 0 ? -norm : norm;
            var v = new double[m - j];
            v[0] = alpha - beta;
            for (var i = j + 1; i < m; i++)
                v[i - j] = w[j * m + i];
            var vv = Dot(v, v);
            for (var c = j; c < n; c++)
            {
                var d = 0.0;
                for (var i = j; i < m; i++)
                    d += v[i - j] * w[c * m + i];
                d = 2 * d / vv;
                for (var i = j; i < m; i++)
                    w[c * m + i] -= d * v[i - j];
            }
        }

        var r = new double[k * n];
        for (var j = 0; j < n; j++)
            for (var i = 0; i <= Math.Min(j, k - 1); i++)
                r[j * k + i] = w[j * m + i];
        return NormaliseRowSigns(r, k, n);
    }

    /// <summary>Flips rows so the first non-negligible entry of each row (its diagonal, generically) is non-negative.</summary>
    public static double[] NormaliseRowSigns(double[] r, int rows, int n)
    {
        var result = (double[])r.Clone();
        for (var i = 0; i < rows; i++)
        {
            var sign = 1.0;
            for (var j = i; j < n; j++)
            {
                var value = result[j * rows + i];
                if (Math.Abs(value) > 1e-12)
                {
                    sign = Math.Sign(value);
                    break;
                }
            }

            for (var j = 0; j < n; j++)
                result[j * rows + i] *= sign;
        }

        return result;
    }

    /// <summary>Rows [start, start + count) of a column-major m x n matrix.</summary>
    public static double[] Rows(double[] a, int m, int n, int start, int count)
    {
        var block = new double[count * n];
        for (var j = 0; j < n; j++)
            Array.Copy(a, j * m + start, block, j * count, count);
        return block;
    }

    public static double MaxAbs(ReadOnlySpan<double> x)
    {
        var max = 0.0;
        foreach (var value in x)
            max = Math.Max(max, Math.Abs(value));
        return max;
    }

    public static double MaxAbsDiff(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        Assert.Equal(x.Length, y.Length);
        var max = 0.0;
        for (var i = 0; i < x.Length; i++)
            max = Math.Max(max, Math.Abs(x[i] - y[i]));
        return max;
    }

    private static double Dot(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        var sum = 0.0;
        for (var i = 0; i < x.Length; i++)
            sum += x[i] * y[i];
        return sum;
    }
}
