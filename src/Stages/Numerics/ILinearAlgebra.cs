namespace Hnn.Stages.Numerics;

/// <summary>
/// The dense linear algebra the solver needs, implemented by LAPACK (system OpenBLAS) and by a managed
/// MathNet fallback. All matrices are column-major <c>double[]</c> with explicit dimensions.
/// Implementations are thread-safe: independent calls may run concurrently.
/// </summary>
public interface ILinearAlgebra
{
    /// <summary>Human-readable backend name for logs and manifests, e.g. "lapack (libopenblas.so.0)".</summary>
    string Name { get; }

    /// <summary>True for the native LAPACK backend.</summary>
    bool IsNative { get; }

    /// <summary>
    /// Least squares with dgelsd semantics: minimise ||A x - B|| for each of the <paramref name="nrhs"/>
    /// columns of B, singular values below <paramref name="rcond"/> * sigma_max treated as zero (minimum-norm
    /// solution). A is m x n, B is m x nrhs (both column-major; neither is modified).
    /// </summary>
    LeastSquaresResult SolveLeastSquares(ReadOnlySpan<double> a, int m, int n, ReadOnlySpan<double> b, int nrhs, double rcond);

    /// <summary>
    /// Thin singular value decomposition A = U diag(S) V^T of the m x n matrix A (column-major, not modified), with
    /// k = min(m, n) singular values in descending order (dgesdd semantics, JOBZ = 'S').
    /// </summary>
    SvdResult Svd(ReadOnlySpan<double> a, int m, int n);

    /// <summary>
    /// General matrix product C = op(A) op(B) with dgemm semantics (alpha = 1, beta = 0): op(A) is m x k, op(B) is k x n,
    /// C is m x n; all column-major with leading dimensions <paramref name="lda"/>, <paramref name="ldb"/>,
    /// <paramref name="ldc"/> (op(X) = X^T when its flag is set). C's m x n entries are overwritten, A and B are not
    /// modified. The default is the managed loop of <see cref="ManagedGemm"/>; the LAPACK backend calls dgemm.
    /// </summary>
    void Multiply(bool transposeA, bool transposeB, int m, int n, int k, ReadOnlySpan<double> a, int lda, ReadOnlySpan<double> b, int ldb, Span<double> c, int ldc) =>
        ManagedGemm.Multiply(transposeA, transposeB, m, n, k, a, lda, b, ldb, c, ldc);

    /// <summary>Starts a streaming (tall-skinny) QR of a matrix with <paramref name="cols"/> columns.</summary>
    IQrAccumulator CreateQrAccumulator(int cols);

    /// <summary>Threads each call uses inside the library (1 for the managed backend, whose results do not depend on it).</summary>
    int Threads { get; }

    /// <summary>
    /// The same backend with every call running under exactly <paramref name="threads"/> library threads. A view, not a
    /// setting: other views are unaffected, and a result depends on the thread count of the view that computed it only.
    /// </summary>
    ILinearAlgebra WithThreads(int threads);
}

/// <summary>Solution of a truncated least-squares problem.</summary>
/// <param name="X">n x nrhs solution, column-major.</param>
/// <param name="Rank">Effective rank (singular values kept).</param>
/// <param name="SingularValues">All min(m, n) singular values, descending.</param>
public sealed record LeastSquaresResult(double[] X, int Rank, double[] SingularValues);

/// <summary>A thin SVD A = U diag(S) V^T of an m x n matrix, k = min(m, n).</summary>
/// <param name="U">m x k left singular vectors, column-major.</param>
/// <param name="S">k singular values, descending, non-negative.</param>
/// <param name="VT">k x n matrix V^T, column-major.</param>
/// <param name="Rows">m.</param>
/// <param name="Cols">n.</param>
public sealed record SvdResult(double[] U, double[] S, double[] VT, int Rows, int Cols)
{
    /// <summary>k = min(m, n).</summary>
    public int Rank => S.Length;
}

/// <summary>
/// Running R factor of a QR factorisation of a tall matrix that arrives as row blocks.
/// R is defined up to the signs of its rows. Not thread-safe; accumulate per worker, then <see cref="Merge"/>.
/// </summary>
public interface IQrAccumulator
{
    int Cols { get; }

    /// <summary>Total rows absorbed so far.</summary>
    long RowsAbsorbed { get; }

    /// <summary>Absorbs a rows x Cols block (column-major, leading dimension = rows).</summary>
    void Absorb(ReadOnlySpan<double> block, int rows);

    /// <summary>
    /// Absorbs an upper-trapezoidal block (entry (i, j) is zero for j &lt; i; rows &lt;= Cols) — the same result as
    /// <see cref="Absorb"/> up to row signs, at about a third of the cost on LAPACK, and without a copy: the block
    /// is used as workspace and overwritten. Afterwards R may carry zero rows, so <see cref="GetR"/> can return
    /// Cols rows even when fewer were absorbed.
    /// </summary>
    void AbsorbUpperTrapezoidal(double[] block, int rows);

    /// <summary>Rows of the current R (what <see cref="GetR"/> would report).</summary>
    int RowsInR { get; }

    /// <summary>
    /// Copies rows 0..<paramref name="rows"/> of columns <paramref name="firstCol"/>..+<paramref name="cols"/> of the
    /// current R (rows at most <see cref="RowsInR"/>) into <paramref name="destination"/>, column-major with leading
    /// dimension <paramref name="rows"/> — part of R without a full copy.
    /// </summary>
    void CopyR(int rows, int firstCol, int cols, Span<double> destination);

    /// <summary>Absorbs another accumulator's R (tree reduction); the other is left unchanged.</summary>
    void Merge(IQrAccumulator other);

    /// <summary>
    /// The current R: an r x Cols upper-trapezoidal matrix, column-major, r = min(RowsAbsorbed, Cols).
    /// Returns a copy.
    /// </summary>
    double[] GetR(out int rows);
}

/// <summary>The managed matrix product behind <see cref="ILinearAlgebra.Multiply"/> (column-major, plain loops).</summary>
public static class ManagedGemm
{
    /// <summary>C = op(A) op(B), see <see cref="ILinearAlgebra.Multiply"/>.</summary>
    public static void Multiply(bool transposeA, bool transposeB, int m, int n, int k, ReadOnlySpan<double> a, int lda, ReadOnlySpan<double> b, int ldb, Span<double> c, int ldc)
    {
        Check(transposeA, transposeB, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc);
        for (var j = 0; j < n; j++)
        {
            var cj = c.Slice(j * ldc, m);
            cj.Clear();
            for (var p = 0; p < k; p++)
            {
                var bpj = transposeB ? b[j + (p * ldb)] : b[p + (j * ldb)];
                if (bpj == 0)
                {
                    continue;
                }

                if (transposeA)
                {
                    for (var i = 0; i < m; i++)
                    {
                        cj[i] += a[p + (i * lda)] * bpj;
                    }
                }
                else
                {
                    var ap = a.Slice(p * lda, m);
                    for (var i = 0; i < m; i++)
                    {
                        cj[i] += ap[i] * bpj;
                    }
                }
            }
        }
    }

    /// <summary>Throws unless the dimensions and leading dimensions fit the spans.</summary>
    public static void Check(bool transposeA, bool transposeB, int m, int n, int k, int aLength, int lda, int bLength, int ldb, int cLength, int ldc)
    {
        var (aRows, aCols) = transposeA ? (k, m) : (m, k);
        var (bRows, bCols) = transposeB ? (n, k) : (k, n);
        if (m < 0 || n < 0 || k < 0 || lda < Math.Max(1, aRows) || ldb < Math.Max(1, bRows) || ldc < Math.Max(1, m)
            || (aCols > 0 && (long)lda * (aCols - 1) + aRows > aLength) || (bCols > 0 && (long)ldb * (bCols - 1) + bRows > bLength)
            || (n > 0 && (long)ldc * (n - 1) + m > cLength))
        {
            throw new ArgumentException($"matrix product {m} x {n} x {k}: the spans ({aLength}, {bLength}, {cLength}) or leading dimensions ({lda}, {ldb}, {ldc}) do not fit");
        }
    }
}
