using Hnn.Stages.Numerics;
using Xunit;

namespace Hnn.Tests.Numerics;

public sealed class LeastSquaresTests
{
    // ---- well-conditioned, consistent overdetermined problem: expected x is the x used to build b = A x ----

    [Theory]
    [InlineData(40, 6)] // tall path on LAPACK (m >= 2n)
    [InlineData(10, 6)] // direct dgelsd path (m < 2n)
    public void Managed_solves_consistent_overdetermined_system(int m, int n) =>
        SolvesConsistentSystem(new ManagedLinearAlgebra(), m, n);

    [LapackTheory]
    [InlineData(40, 6)]
    [InlineData(10, 6)]
    public void Lapack_solves_consistent_overdetermined_system(int m, int n) =>
        SolvesConsistentSystem(Backends.Lapack(), m, n);

    private static void SolvesConsistentSystem(ILinearAlgebra backend, int m, int n)
    {
        // A random m x n (full column rank with probability 1, condition ~ a few), x chosen, b = A x: the system is
        // consistent, so the unique least-squares minimiser is exactly x (up to rounding in forming b).
        var rng = new Random(1234);
        var a = Dense.Random(rng, m, n);
        const int nrhs = 2;
        var x = Dense.Random(rng, n, nrhs);
        var b = Dense.Multiply(a, m, n, x, n, nrhs);
        var aBefore = (double[])a.Clone();
        var bBefore = (double[])b.Clone();

        var result = backend.SolveLeastSquares(a, m, n, b, nrhs, 1e-13);

        Assert.Equal(n * nrhs, result.X.Length);
        Assert.True(Dense.MaxAbsDiff(result.X, x) < 1e-10, $"max |x - x_true| = {Dense.MaxAbsDiff(result.X, x):E2}");
        Assert.Equal(n, result.Rank);
        Assert.Equal(n, result.SingularValues.Length);
        for (var i = 1; i < n; i++)
            Assert.True(result.SingularValues[i - 1] >= result.SingularValues[i]);
        Assert.Equal(aBefore, a); // inputs untouched
        Assert.Equal(bBefore, b);
    }

    // ---- underdetermined: x = A^T y lies in the row space, so it is the minimum-norm solution of A x = A x ----

    [Fact]
    public void Managed_returns_minimum_norm_solution_when_underdetermined() =>
        MinimumNormUnderdetermined(new ManagedLinearAlgebra());

    [LapackFact]
    public void Lapack_returns_minimum_norm_solution_when_underdetermined() =>
        MinimumNormUnderdetermined(Backends.Lapack());

    private static void MinimumNormUnderdetermined(ILinearAlgebra backend)
    {
        const int m = 5, n = 12;
        var rng = new Random(1234);
        var a = Dense.Random(rng, m, n);
        var y = Dense.Random(rng, m, 1);
        var x = Dense.Multiply(a, m, n, y, m, 1, transposeA: true);
        var b = Dense.Multiply(a, m, n, x, n, 1);

        var result = backend.SolveLeastSquares(a, m, n, b, 1, 1e-13);

        Assert.Equal(m, result.Rank);
        Assert.Equal(m, result.SingularValues.Length);
        Assert.True(Dense.MaxAbsDiff(result.X, x) < 1e-10, $"max |x - x_min| = {Dense.MaxAbsDiff(result.X, x):E2}");
    }

    // ---- rank-deficient: A = U diag(s) V^T with s spanning 1 .. 1e-16 ----

    // rcond = 1e-13 keeps the first seven values (down to 1e-3) and drops the last three (1e-14 .. 1e-16).
    private static readonly double[] PrescribedSingularValues = [1, 0.7, 0.3, 1e-1, 3e-2, 1e-2, 1e-3, 1e-14, 1e-15, 1e-16];
    private const int ExpectedRank = 7;

    // Error budget of a truncated-SVD solution: ~ eps * sigma_1 / sigma_rank * ||x|| (~1e-13) plus the subspace
    // perturbation eps / (sigma_7 - sigma_8). Measured (max |dx| / max |x|): LAPACK 5e-14, managed 2e-13,
    // LAPACK vs managed 2e-13; asserted at 1e-11.
    private const double RankDeficientRelativeTolerance = 1e-11;

    [Theory]
    [InlineData(60)] // m >= 2n
    [InlineData(14)] // n <= m < 2n
    public void Managed_truncates_rank_deficient_problem_to_pseudo_inverse(int m) =>
        TruncatesToPseudoInverse(new ManagedLinearAlgebra(), m);

    [LapackTheory]
    [InlineData(60)]
    [InlineData(14)]
    public void Lapack_truncates_rank_deficient_problem_to_pseudo_inverse(int m) =>
        TruncatesToPseudoInverse(Backends.Lapack(), m);

    private static LeastSquaresResult TruncatesToPseudoInverse(ILinearAlgebra backend, int m)
    {
        var n = PrescribedSingularValues.Length;
        const int nrhs = 2;
        var (a, u, v, b) = RankDeficientProblem(m, nrhs);

        // Expected: the pseudo-inverse solution built from the known SVD, truncated at the same rank.
        var expected = Dense.PseudoInverseSolve(u, PrescribedSingularValues, v, m, n, ExpectedRank, b, nrhs);

        var result = backend.SolveLeastSquares(a, m, n, b, nrhs, 1e-13);

        Assert.Equal(ExpectedRank, result.Rank);
        var scale = Dense.MaxAbs(expected);
        var error = Dense.MaxAbsDiff(result.X, expected) / scale;
        Assert.True(error < RankDeficientRelativeTolerance, $"relative deviation from pseudo-inverse solution {error:E2}");
        for (var i = 0; i < n; i++)
            Assert.True(Math.Abs(result.SingularValues[i] - PrescribedSingularValues[i]) < 1e-14,
                $"sigma_{i} = {result.SingularValues[i]:E6}, expected {PrescribedSingularValues[i]:E6}");
        return result;
    }

    [LapackTheory]
    [InlineData(60)]
    [InlineData(14)]
    public void Lapack_and_managed_agree_on_rank_deficient_problem(int m)
    {
        var n = PrescribedSingularValues.Length;
        var (a, _, _, b) = RankDeficientProblem(m, 2);
        var lapack = Backends.Lapack().SolveLeastSquares(a, m, n, b, 2, 1e-13);
        var managed = new ManagedLinearAlgebra().SolveLeastSquares(a, m, n, b, 2, 1e-13);

        Assert.Equal(lapack.Rank, managed.Rank);
        var error = Dense.MaxAbsDiff(lapack.X, managed.X) / Dense.MaxAbs(lapack.X);
        Assert.True(error < RankDeficientRelativeTolerance, $"LAPACK vs managed relative difference {error:E2}");
        Assert.True(Dense.MaxAbsDiff(lapack.SingularValues, managed.SingularValues) < 1e-14);
    }

    private static (double[] A, double[] U, double[] V, double[] B) RankDeficientProblem(int m, int nrhs)
    {
        var rng = new Random(1234);
        var n = PrescribedSingularValues.Length;
        var a = Dense.WithSingularValues(rng, m, n, PrescribedSingularValues, out var u, out var v);
        var b = Dense.Random(rng, m, nrhs); // generic right-hand side, not in the range of A
        return (a, u, v, b);
    }

    [Theory]
    [InlineData("managed")]
    public void Managed_duplicate_columns_split_weight_evenly(string backend) => DuplicateColumns(Backends.Get(backend));

    [LapackTheory]
    [InlineData("lapack")]
    public void Lapack_duplicate_columns_split_weight_evenly(string backend) => DuplicateColumns(Backends.Get(backend));

    private static void DuplicateColumns(ILinearAlgebra backend)
    {
        // Columns (c1, c2, c2); b = c1 + 2 c2. Solutions are (1, t, 2 - t); the minimum-norm one is (1, 1, 1).
        const int m = 20;
        var rng = new Random(1234);
        var c = Dense.Random(rng, m, 2);
        var a = new double[m * 3];
        Array.Copy(c, 0, a, 0, 2 * m);
        Array.Copy(c, m, a, 2 * m, m);
        var b = new double[m];
        for (var i = 0; i < m; i++)
            b[i] = c[i] + 2 * c[m + i];

        var result = backend.SolveLeastSquares(a, m, 3, b, 1, 1e-13);

        Assert.Equal(2, result.Rank);
        Assert.True(Dense.MaxAbsDiff(result.X, [1.0, 1.0, 1.0]) < 1e-10, string.Join(", ", result.X));
    }

    // ---- LAPACK tall path (dgeqrt + dgemqrt + dgelsd on R) vs plain dgelsd ----

    [LapackFact]
    public void Lapack_tall_path_agrees_with_direct_dgelsd_on_random_problem()
    {
        const int m = 400, n = 30, nrhs = 3;
        var rng = new Random(1234);
        var a = Dense.Random(rng, m, n);
        var b = Dense.Random(rng, m, nrhs);
        var lapack = Backends.Lapack();

        var tall = lapack.SolveLeastSquares(a, m, n, b, nrhs, 1e-13, LeastSquaresPath.TallQr);
        var direct = lapack.SolveLeastSquares(a, m, n, b, nrhs, 1e-13, LeastSquaresPath.Direct);
        var auto = lapack.SolveLeastSquares(a, m, n, b, nrhs, 1e-13);
        var managed = new ManagedLinearAlgebra().SolveLeastSquares(a, m, n, b, nrhs, 1e-13);

        Assert.Equal(n, tall.Rank);
        Assert.Equal(n, direct.Rank);
        Assert.True(Dense.MaxAbsDiff(tall.X, direct.X) < 1e-12 * Dense.MaxAbs(direct.X));
        Assert.True(Dense.MaxAbsDiff(tall.SingularValues, direct.SingularValues) < 1e-13 * direct.SingularValues[0]);
        Assert.Equal(tall.X, auto.X); // auto picks the tall path for m >= 2n
        Assert.True(Dense.MaxAbsDiff(managed.X, direct.X) < 1e-12 * Dense.MaxAbs(direct.X));
    }

    [LapackFact]
    public void Lapack_tall_path_agrees_with_direct_dgelsd_on_rank_deficient_problem()
    {
        const int m = 60;
        var n = PrescribedSingularValues.Length;
        var (a, _, _, b) = RankDeficientProblem(m, 2);
        var lapack = Backends.Lapack();

        var tall = lapack.SolveLeastSquares(a, m, n, b, 2, 1e-13, LeastSquaresPath.TallQr);
        var direct = lapack.SolveLeastSquares(a, m, n, b, 2, 1e-13, LeastSquaresPath.Direct);

        Assert.Equal(ExpectedRank, tall.Rank);
        Assert.Equal(ExpectedRank, direct.Rank);
        Assert.True(Dense.MaxAbsDiff(tall.X, direct.X) / Dense.MaxAbs(direct.X) < RankDeficientRelativeTolerance);
        Assert.True(Dense.MaxAbsDiff(tall.SingularValues, direct.SingularValues) < 1e-14);
    }

    [LapackFact]
    public void Lapack_solves_concurrently()
    {
        const int m = 200, n = 20;
        var rng = new Random(1234);
        var a = Dense.Random(rng, m, n);
        var b = Dense.Random(rng, m, 1);
        var lapack = Backends.Lapack();
        var expected = lapack.SolveLeastSquares(a, m, n, b, 1, 1e-13).X;

        var results = new double[16][];
        Parallel.For(0, results.Length, i => results[i] = lapack.SolveLeastSquares(a, m, n, b, 1, 1e-13).X);

        foreach (var x in results)
            Assert.Equal(expected, x);
    }

    // ---- edge cases ----

    [Theory]
    [InlineData("managed")]
    public void Managed_zero_matrix_has_rank_zero(string backend) => ZeroMatrix(Backends.Get(backend));

    [LapackTheory]
    [InlineData("lapack")]
    public void Lapack_zero_matrix_has_rank_zero(string backend) => ZeroMatrix(Backends.Get(backend));

    private static void ZeroMatrix(ILinearAlgebra backend)
    {
        var result = backend.SolveLeastSquares(new double[12], 4, 3, [1.0, 2, 3, 4], 1, 1e-13);
        Assert.Equal(0, result.Rank);
        Assert.Equal(new double[3], result.X);
        Assert.Equal(new double[3], result.SingularValues);
    }

    [Fact]
    public void Rejects_too_short_inputs()
    {
        var managed = new ManagedLinearAlgebra();
        Assert.Throws<ArgumentException>(() => managed.SolveLeastSquares(new double[5], 3, 2, new double[3], 1, 1e-13));
        Assert.Throws<ArgumentException>(() => managed.SolveLeastSquares(new double[6], 3, 2, new double[2], 1, 1e-13));
    }
}
