using Hnn.Datasets;
using Hnn.Stages.Numerics;
using Xunit;

namespace Hnn.Tests.Stages;

/// <summary>
/// The least-squares residual is orthogonal to the columns kept. For a minimiser of ||A x - b||
/// the normal equations A^T (A x - b) = 0 hold; with rounding, ||A^T r|| is ~eps * cond * ||A|| ||b||, far below the
/// 1e-10 * ||A||_F * ||b|| asserted here (the random problems have cond ~ 10).
/// </summary>
public sealed class LeastSquaresPropertyTests
{
    private static double[] RandomMatrix(int m, int n, ulong seed)
    {
        var rng = new Rng(seed);
        return Enumerable.Range(0, m * n).Select(_ => rng.NextNormal()).ToArray();
    }

    private static double[] Product(double[] a, int m, int k, double[] b, int n)
    {
        var c = new double[m * n];
        for (var j = 0; j < n; j++)
        {
            for (var p = 0; p < k; p++)
            {
                var bpj = b[(j * k) + p];
                for (var i = 0; i < m; i++)
                {
                    c[(j * m) + i] += a[(p * m) + i] * bpj;
                }
            }
        }

        return c;
    }

    private static void AssertNormalEquations(double[] a, int m, int n, double[] b, double[] x)
    {
        var r = StageTestSupport.Multiply(a, m, n, x);
        for (var i = 0; i < m; i++)
        {
            r[i] -= b[i];
        }

        var atr = StageTestSupport.MultiplyTransposed(a, m, n, r);
        var scale = StageTestSupport.FrobeniusNorm(a) * StageTestSupport.Norm(b);
        var rel = StageTestSupport.Norm(atr) / scale;
        Assert.True(rel < 1e-10, $"||A^T (A x - b)|| / (||A|| ||b||) = {rel:e3}");

        // The residual is not trivially zero (overdetermined, random b), so the check is meaningful.
        Assert.True(StageTestSupport.Norm(r) > 1e-3 * StageTestSupport.Norm(b));
    }

    public static TheoryData<string, int, int> FullRankCases => new()
    {
        { "managed", 200, 30 },
        { "managed", 50, 30 },
    };

    public static TheoryData<string, int, int> LapackFullRankCases => new()
    {
        { "lapack", 200, 30 }, // m >= 2n: dgeqrt + dgelsd on the triangle
        { "lapack", 50, 30 },  // dgelsd directly
    };

    [Theory]
    [MemberData(nameof(FullRankCases))]
    public void Managed_full_rank_residual_is_orthogonal_to_the_columns(string backend, int m, int n) => FullRank(backend, m, n);

    [StagesLapackTheory]
    [MemberData(nameof(LapackFullRankCases))]
    public void Lapack_full_rank_residual_is_orthogonal_to_the_columns(string backend, int m, int n) => FullRank(backend, m, n);

    private static void FullRank(string backend, int m, int n)
    {
        var la = StageTestSupport.Backend(backend);
        var a = RandomMatrix(m, n, (ulong)(m + n));
        var b = RandomMatrix(m, 1, (ulong)(m * n));
        var result = la.SolveLeastSquares(a, m, n, b, 1, 1e-13);
        Assert.Equal(n, result.Rank);
        AssertNormalEquations(a, m, n, b, result.X);
    }

    [StagesLapackFact]
    public void Lapack_both_paths_satisfy_the_normal_equations_and_agree()
    {
        if (StageTestSupport.Backend("lapack") is not LapackLinearAlgebra la)
        {
            throw new InvalidOperationException("expected the LAPACK backend");
        }

        const int M = 200, N = 30;
        var a = RandomMatrix(M, N, 1);
        var b = RandomMatrix(M, 1, 2);
        var direct = la.SolveLeastSquares(a, M, N, b, 1, 1e-13, LeastSquaresPath.Direct);
        var tall = la.SolveLeastSquares(a, M, N, b, 1, 1e-13, LeastSquaresPath.TallQr);
        AssertNormalEquations(a, M, N, b, direct.X);
        AssertNormalEquations(a, M, N, b, tall.X);
        Assert.True(StageTestSupport.RelativeDifference(tall.X, direct.X) < 1e-12);
    }

    [Theory]
    [InlineData("managed")]
    public void Managed_truncated_solution_is_the_minimum_norm_minimiser(string backend) => Truncated(backend);

    [StagesLapackTheory]
    [InlineData("lapack")]
    public void Lapack_truncated_solution_is_the_minimum_norm_minimiser(string backend) => Truncated(backend);

    private static void Truncated(string backend)
    {
        // A = L M with L 200 x 12 and M 12 x 30: rank 12; the other 18 singular values are rounding (~1e-15 sigma_max),
        // so rcond 1e-10 keeps exactly 12. The kept solution must still satisfy the normal equations, and be the
        // minimum-norm one: x in the row space of A (= row space of M), i.e. x = M^T y for some y.
        const int Rows = 200, Cols = 30, Rank = 12;
        var la = StageTestSupport.Backend(backend);
        var l = RandomMatrix(Rows, Rank, 11);
        var mm = RandomMatrix(Rank, Cols, 12);
        var a = Product(l, Rows, Rank, mm, Cols);
        var b = RandomMatrix(Rows, 1, 13);

        var result = la.SolveLeastSquares(a, Rows, Cols, b, 1, 1e-10);
        Assert.Equal(Rank, result.Rank);
        Assert.Equal(Math.Min(Rows, Cols), result.SingularValues.Length);
        Assert.True(result.SingularValues[Rank - 1] > 1e-10 * result.SingularValues[0]);
        Assert.True(result.SingularValues[Rank] < 1e-10 * result.SingularValues[0]);
        AssertNormalEquations(a, Rows, Cols, b, result.X);

        // M^T is 30 x 12 (column-major transpose of the 12 x 30 M).
        var mt = new double[Cols * Rank];
        for (var i = 0; i < Rank; i++)
        {
            for (var j = 0; j < Cols; j++)
            {
                mt[(i * Cols) + j] = mm[(j * Rank) + i];
            }
        }

        var y = la.SolveLeastSquares(mt, Cols, Rank, result.X, 1, 0).X;
        var back = StageTestSupport.Multiply(mt, Cols, Rank, y);
        Assert.True(StageTestSupport.RelativeDifference(back, result.X) < 1e-10, "x has a component in the null space of A");
    }
}
