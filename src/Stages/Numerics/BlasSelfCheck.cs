using Hnn.Datasets;

namespace Hnn.Stages.Numerics;

/// <summary>One comparison of <see cref="BlasSelfCheck"/>: the measured discrepancy and the bound it must stay under.</summary>
/// <param name="Name">What was compared, e.g. "dgemm 67".</param>
/// <param name="Error">The discrepancy (its definition is in <see cref="BlasSelfCheck"/>).</param>
/// <param name="Tolerance">The rounding-error bound derived from the problem (sizes, condition number).</param>
public sealed record BlasCheckItem(string Name, double Error, double Tolerance)
{
    /// <summary>True when the discrepancy is within the bound (NaN fails).</summary>
    public bool Passed => Error <= Tolerance;
}

/// <summary>The result of <see cref="BlasSelfCheck.Run"/>.</summary>
public sealed record BlasCheckResult(IReadOnlyList<BlasCheckItem> Items)
{
    /// <summary>True when every comparison passed.</summary>
    public bool Passed => Items.All(i => i.Passed);

    /// <summary>One line for logs, e.g. "dgemm 67 3.1e-17 &lt;= 3.0e-14, ...".</summary>
    public string Summary => string.Join(", ", Items.Select(i => FormattableString.Invariant(
        $"{i.Name} {i.Error:0.0e+00} {(i.Passed ? "<=" : ">")} {i.Tolerance:0.0e+00}")));
}

/// <summary>
/// A quick check (a few milliseconds) that a native LAPACK/BLAS — in particular a BLAS kernel set chosen by name
/// (<c>OPENBLAS_CORETYPE</c>) — computes what the managed code computes, on small seeded problems:
/// <list type="bullet">
/// <item>dgemm (67 x 67 and 192 x 192: edge and main micro-kernels) against a plain triple loop; entrywise
/// |C - C_ref| must stay under 2 n eps (|A| |B|) — twice the classical bound gamma_n |A||B| of either product.</item>
/// <item>a consistent least-squares problem (300 x 40, Gaussian, b = A x0) on the tall-QR path (dgeqrt, dgemqrt,
/// dgelsd) against <see cref="ManagedLinearAlgebra"/>: ||x - x_managed|| / ||x_managed|| under 4 m n eps cond(A), with
/// cond(A) from the returned singular values (the forward-error bound of a backward-stable solver, twice).</item>
/// <item>the streaming QR (dgeqrt/dtpqrt in 64-row blocks) of the same A: ||R^T R - A^T A||_F under
/// 4 m n eps ||A||_F^2.</item>
/// </list>
/// A broken or mis-selected kernel gives errors of order one; correct kernels differ by rounding only, many orders
/// of magnitude under these bounds. Deterministic (fixed seed); no clock, no environment.
/// </summary>
public static class BlasSelfCheck
{
    private const double Eps = 2.220446049250313e-16;

    /// <summary>Runs the comparisons on <paramref name="lapack"/>.</summary>
    public static BlasCheckResult Run(LapackLinearAlgebra lapack)
    {
        ArgumentNullException.ThrowIfNull(lapack);
        var rng = new Rng(20261203);
        var items = new List<BlasCheckItem> { Gemm(lapack, 67, rng), Gemm(lapack, 192, rng) };
        const int m = 300, n = 40;
        var a = new double[m * n];
        for (var i = 0; i < a.Length; i++)
            a[i] = rng.NextNormal();
        items.Add(LeastSquares(lapack, a, m, n, rng));
        items.Add(StreamingQr(lapack, a, m, n));
        return new BlasCheckResult(items);
    }

    private static BlasCheckItem Gemm(LapackLinearAlgebra lapack, int n, Rng rng)
    {
        var a = new double[n * n];
        var b = new double[n * n];
        for (var i = 0; i < a.Length; i++)
        {
            a[i] = rng.NextUniform(-1, 1);
            b[i] = rng.NextUniform(-1, 1);
        }

        var c = new double[n * n];
        lapack.MultiplySquare(n, a, b, c);
        var worst = 0.0;
        for (var j = 0; j < n; j++)
        {
            for (var i = 0; i < n; i++)
            {
                double sum = 0, abs = 0;
                for (var k = 0; k < n; k++)
                {
                    var p = a[(k * n) + i] * b[(j * n) + k];
                    sum += p;
                    abs += Math.Abs(p);
                }

                // Ratio of the discrepancy to the bound 2 n eps (|A||B|)_ij; NaN propagates as a failure.
                var ratio = Math.Abs(c[(j * n) + i] - sum) / (2 * n * Eps * Math.Max(abs, double.Epsilon));
                worst = double.IsNaN(ratio) ? double.NaN : Math.Max(worst, ratio);
            }
        }

        return new BlasCheckItem(FormattableString.Invariant($"dgemm {n} (error / bound)"), worst, 1.0);
    }

    private static BlasCheckItem LeastSquares(LapackLinearAlgebra lapack, double[] a, int m, int n, Rng rng)
    {
        var x0 = new double[n];
        for (var i = 0; i < n; i++)
            x0[i] = rng.NextUniform(-1, 1);
        var b = new double[m];
        for (var j = 0; j < n; j++)
        {
            for (var i = 0; i < m; i++)
                b[i] += a[(j * m) + i] * x0[j];
        }

        var native = lapack.SolveLeastSquares(a, m, n, b, 1, 1e-13, LeastSquaresPath.TallQr);
        var managed = new ManagedLinearAlgebra().SolveLeastSquares(a, m, n, b, 1, 1e-13);
        var s = managed.SingularValues;
        var cond = s[^1] > 0 ? s[0] / s[^1] : double.PositiveInfinity;
        double diff = 0, norm = 0;
        for (var i = 0; i < n; i++)
        {
            diff += (native.X[i] - managed.X[i]) * (native.X[i] - managed.X[i]);
            norm += managed.X[i] * managed.X[i];
        }

        var error = Math.Sqrt(diff / norm);
        return new BlasCheckItem(FormattableString.Invariant($"lstsq {m}x{n}"), native.Rank == managed.Rank ? error : double.NaN,
            4.0 * m * n * Eps * cond);
    }

    private static BlasCheckItem StreamingQr(LapackLinearAlgebra lapack, double[] a, int m, int n)
    {
        var acc = lapack.CreateQrAccumulator(n);
        const int blockRows = 64;
        for (var start = 0; start < m; start += blockRows)
        {
            var h = Math.Min(blockRows, m - start);
            var block = new double[h * n];
            for (var j = 0; j < n; j++)
                a.AsSpan((j * m) + start, h).CopyTo(block.AsSpan(j * h, h));
            acc.Absorb(block, h);
        }

        var r = acc.GetR(out var rows);
        double diff = 0, normA = 0;
        for (var i = 0; i < a.Length; i++)
            normA += a[i] * a[i];
        for (var p = 0; p < n; p++)
        {
            for (var q = 0; q < n; q++)
            {
                double rtr = 0, ata = 0;
                for (var k = 0; k < rows; k++)
                    rtr += r[(p * rows) + k] * r[(q * rows) + k];
                for (var k = 0; k < m; k++)
                    ata += a[(p * m) + k] * a[(q * m) + k];
                diff += (rtr - ata) * (rtr - ata);
            }
        }

        return new BlasCheckItem(FormattableString.Invariant($"streaming QR {m}x{n}"), Math.Sqrt(diff), 4.0 * m * n * Eps * normA);
    }
}
