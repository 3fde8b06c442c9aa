using Hnn.Stages.Numerics;
using Xunit;

namespace Hnn.Tests.Numerics;

/// <summary>
/// The thin SVD (dgesdd and the MathNet fallback) and the truncated partial inverse V S^e U^T built on it. Tolerances
/// follow from backward stability: a backward-stable SVD is exact for A + E with ||E|| &lt;= p eps ||A||, p a modest
/// multiple of max(m, n) (Golub &amp; Van Loan, Matrix Computations, 4th ed., §8.6); we take p = 10 max(m, n).
/// </summary>
public sealed class SvdTests
{
    private const double Eps = 2.220446049250313e-16;

    public static TheoryData<string, int, int> Shapes() => new()
    {
        { "managed", 30, 12 },
        { "managed", 12, 30 },
        { "lapack", 30, 12 },
        { "lapack", 12, 30 },
        { "lapack", 128, 300 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Svd_reconstructs_random_matrix_with_orthonormal_factors(string backend, int m, int n)
    {
        if (backend == "lapack" && !Backends.LapackAvailable(out _))
            return;
        var la = Backends.Get(backend);
        var rng = new Random(20261203);
        var a = Dense.Random(rng, m, n);
        var before = (double[])a.Clone();
        var svd = la.Svd(a, m, n);
        var k = Math.Min(m, n);

        Assert.Equal(before, a);
        Assert.Equal(k, svd.S.Length);
        for (var i = 1; i < k; i++)
            Assert.True(svd.S[i - 1] >= svd.S[i] && svd.S[i] >= 0);

        var us = (double[])svd.U.Clone();
        for (var p = 0; p < k; p++)
            for (var r = 0; r < m; r++)
                us[p * m + r] *= svd.S[p];
        var back = Dense.Multiply(us, m, k, svd.VT, k, n);
        var tol = 10.0 * Math.Max(m, n) * Eps * svd.S[0];
        Assert.True(Dense.MaxAbsDiff(back, a) < tol, $"|U S V^T - A| = {Dense.MaxAbsDiff(back, a):E2} > {tol:E2}");
        AssertIdentity(Dense.Multiply(svd.U, m, k, svd.U, m, k, transposeA: true), k, 10.0 * Math.Max(m, n) * Eps);
        AssertIdentity(Dense.Multiply(svd.VT, k, n, svd.VT, k, n, transposeB: true), k, 10.0 * Math.Max(m, n) * Eps);
    }

    [LapackFact]
    public void Lapack_and_managed_singular_values_agree()
    {
        // Weyl: each singular value moves by at most ||E||, so two backward-stable SVDs agree to 2 p eps s_max.
        const int m = 40, n = 17;
        var a = Dense.Random(new Random(7), m, n);
        var lapack = Backends.Lapack().Svd(a, m, n);
        var managed = new ManagedLinearAlgebra().Svd(a, m, n);
        var tol = 2 * 10.0 * m * Eps * lapack.S[0];
        Assert.True(Dense.MaxAbsDiff(lapack.S, managed.S) < tol, $"{Dense.MaxAbsDiff(lapack.S, managed.S):E2}");
    }

    [Theory]
    [InlineData("managed")]
    [InlineData("lapack")]
    public void Half_inverse_matches_its_definition_on_a_matrix_with_known_svd(string backend)
    {
        if (backend == "lapack" && !Backends.LapackAvailable(out _))
            return;

        // A = U diag(s) V^T with separated singular values; the last two lie below 1e-10 x s_max and are dropped.
        // Expected: V diag(s^-1/2) U^T over the kept four. Perturbation: singular vectors move by ~ p eps s_max / gap
        // (gap >= 0.5 here) and s^-1/2 by ~ p eps s_max / s_min^(3/2), both far below the 1e-11 allowed.
        const int m = 9, n = 6;
        double[] s = [4, 2, 1, 0.5, 1e-11, 1e-13];
        var a = Dense.WithSingularValues(new Random(3), m, n, s, out var u, out var v);
        var h = Backends.Get(backend).HalfInverse(a, m, n, 1e-10, PartialInverse.HalfExponent);

        var expected = new double[n * m];
        for (var r = 0; r < m; r++)
            for (var c = 0; c < n; c++)
                for (var p = 0; p < 4; p++)
                    expected[r * n + c] += v[p * n + c] * Math.Pow(s[p], -0.5) * u[p * m + r];
        Assert.True(Dense.MaxAbsDiff(h, expected) < 1e-11, $"{Dense.MaxAbsDiff(h, expected):E2}");

        // Applying it to a vector without forming the matrix gives the same product.
        var svd = Backends.Get(backend).Svd(a, m, n);
        var g = Dense.Random(new Random(4), m, 1);
        var applied = PartialInverse.Apply(svd, 1e-10, -0.5, g);
        Assert.True(Dense.MaxAbsDiff(applied, Dense.Multiply(expected, n, m, g, m, 1)) < 1e-11);
        Assert.Equal(4, PartialInverse.Kept(svd, 1e-10));
    }

    [Theory]
    [InlineData("managed", 30, 12)]
    [InlineData("managed", 12, 30)]
    [InlineData("lapack", 30, 12)]
    [InlineData("lapack", 12, 30)]
    [InlineData("lapack", 128, 300)]
    public void Exponent_minus_one_is_the_pseudo_inverse_of_dgelsd(string backend, int m, int n)
    {
        if (backend == "lapack" && !Backends.LapackAvailable(out _))
            return;

        // A^+ two ways: HalfInverse with e = -1, and the minimum-norm least-squares solution X of A X = I_m (dgelsd,
        // or the managed equivalent, at the same rcond). Wedin's bound ||(A+E)^+ - A^+|| <= 3 ||A^+||^2 ||E|| (full
        // rank, ||E|| small) with ||E|| <= p eps ||A|| for each gives a difference below 6 p eps kappa ||A^+||.
        var la = Backends.Get(backend);
        var a = Dense.Random(new Random(11), m, n);
        var identity = new double[m * m];
        for (var i = 0; i < m; i++)
            identity[i * m + i] = 1;
        const double rcond = 1e-10;
        var pinv = la.HalfInverse(a, m, n, rcond, -1);
        var lstsq = la.SolveLeastSquares(a, m, n, identity, m, rcond);

        var svd = la.Svd(a, m, n);
        var kappa = svd.S[0] / svd.S[^1];
        var pinvNorm = 1 / svd.S[^1];
        var tol = 6 * 10.0 * Math.Max(m, n) * Eps * kappa * pinvNorm;
        Assert.Equal(Math.Min(m, n), lstsq.Rank);
        var diff = Dense.MaxAbsDiff(pinv, lstsq.X);
        Assert.True(diff < tol, $"|pinv - lstsq| = {diff:E2} > {tol:E2} (kappa {kappa:F1})");
    }

    [Theory]
    [InlineData("managed")]
    [InlineData("lapack")]
    public void Exponent_minus_one_drops_the_same_directions_as_dgelsd_on_a_rank_deficient_matrix(string backend)
    {
        if (backend == "lapack" && !Backends.LapackAvailable(out _))
            return;

        // Two singular values below rcond x s_max: both methods must drop them (rank 4), and agree to the bound of the
        // test above with kappa the ratio over the kept values (8 / 1).
        const int m = 10, n = 6;
        double[] s = [8, 4, 2, 1, 1e-9, 1e-12];
        var a = Dense.WithSingularValues(new Random(5), m, n, s, out _, out _);
        var identity = new double[m * m];
        for (var i = 0; i < m; i++)
            identity[i * m + i] = 1;
        var la = Backends.Get(backend);
        var pinv = la.HalfInverse(a, m, n, 1e-7, -1);
        var lstsq = la.SolveLeastSquares(a, m, n, identity, m, 1e-7);
        Assert.Equal(4, lstsq.Rank);
        var tol = 6 * 10.0 * m * Eps * 8 * 1;
        Assert.True(Dense.MaxAbsDiff(pinv, lstsq.X) < tol, $"{Dense.MaxAbsDiff(pinv, lstsq.X):E2} > {tol:E2}");
    }

    private static void AssertIdentity(double[] q, int k, double tol)
    {
        for (var j = 0; j < k; j++)
            for (var i = 0; i < k; i++)
                Assert.True(Math.Abs(q[j * k + i] - (i == j ? 1 : 0)) < tol, $"({i},{j}) = {q[j * k + i]}");
    }
}
