using System.Diagnostics.CodeAnalysis;

namespace Hnn.Stages.Numerics;

/// <summary>How <see cref="LapackLinearAlgebra.SolveLeastSquares(ReadOnlySpan{double}, int, int, ReadOnlySpan{double}, int, double, LeastSquaresPath)"/> reaches dgelsd.</summary>
public enum LeastSquaresPath
{
    /// <summary><see cref="TallQr"/> when m &gt;= 2n, otherwise <see cref="Direct"/>.</summary>
    Auto,

    /// <summary>dgelsd on A itself.</summary>
    Direct,

    /// <summary>
    /// dgeqrt of A, Q^T B with dgemqrt, then dgelsd on the n x n triangle R (requires m &gt;= n). Same singular
    /// values and rcond truncation as <see cref="Direct"/>; OpenBLAS's dgeqrt is much faster than the dgeqrf
    /// that dgelsd uses internally on tall matrices.
    /// </summary>
    TallQr,
}

/// <summary>
/// <see cref="ILinearAlgebra"/> on a system LAPACK (Debian's OpenBLAS <c>libopenblas.so.0</c> by default) through
/// function pointers. Create with <see cref="TryCreate(out LapackLinearAlgebra?, out string)"/>, which never throws
/// when the library is missing. Calls allocate their own workspaces, so independent calls may run concurrently.
/// Every call runs under exactly <see cref="Threads"/> BLAS threads (OpenBLAS splits work, so rounds, by its thread
/// count, a process-wide setting; <see cref="BlasThreadGate"/> keeps it fixed under every call in flight), so a result
/// depends on the inputs and <see cref="Threads"/> only, never on what runs beside it. <see cref="WithThreads"/> gives
/// a view with another count over the same library.
/// </summary>
public sealed unsafe class LapackLinearAlgebra : ILinearAlgebra
{
    /// <summary>Block size (NB) of dgeqrt/dgemqrt on the tall least-squares path.</summary>
    public const int TallBlockSize = 64;

    /// <summary>Block size (NB) of dgeqrt/dtpqrt inside the QR accumulator.</summary>
    public const int AccumulatorBlockSize = 32;

    private readonly LapackNative _native;

    private LapackLinearAlgebra(LapackNative native, int threads)
    {
        _native = native;
        Threads = threads;
        var file = Path.GetFileName(native.LibraryPath);
        Name = native.Config is null ? $"lapack ({file})" : $"lapack ({file}, {native.Config})";
    }

    /// <inheritdoc />
    public int Threads { get; }

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    public bool IsNative => true;

    /// <summary>The loaded library, for a solver module that binds an optional routine (<see cref="LapackNative.TryGetExport"/>).</summary>
    internal LapackNative Native => _native;

    /// <summary>The library path or name that was loaded.</summary>
    public string LibraryPath => _native.LibraryPath;

    /// <summary>
    /// OpenBLAS's kernel set (<c>openblas_get_corename()</c>, e.g. "SkylakeX"), fixed when the library initialised
    /// (it reads <c>OPENBLAS_CORETYPE</c> then); null for a LAPACK that does not export it.
    /// </summary>
    public string? CoreName => _native.CoreName;

    /// <summary>
    /// True once a LAPACK library has been loaded in this process: from then on the BLAS kernel can no longer be
    /// chosen (OpenBLAS has no runtime switch).
    /// </summary>
    public static bool AnyLoaded => LapackNative.AnyLoaded;

    /// <summary>
    /// Loads the default LAPACK, <c>libopenblas.so.0</c> (a caller that honours <c>HNN_LAPACK_LIBRARY</c> resolves it
    /// and calls <see cref="TryCreate(string?, out LapackLinearAlgebra?, out string)"/>). Returns false (with
    /// <paramref name="reason"/>) instead of throwing when it cannot be loaded.
    /// </summary>
    public static bool TryCreate([NotNullWhen(true)] out LapackLinearAlgebra? backend, out string reason) =>
        TryCreate(null, out backend, out reason);

    /// <summary>
    /// Loads LAPACK from <paramref name="libraryPath"/> (a file path or a name for the dynamic loader);
    /// null or empty means <c>libopenblas.so.0</c>. The library must export dgeqrt_, dgemqrt_, dtpqrt_, dgelsd_, dgesdd_.
    /// </summary>
    public static bool TryCreate(string? libraryPath, [NotNullWhen(true)] out LapackLinearAlgebra? backend, out string reason)
    {
        if (LapackNative.TryLoad(libraryPath, out var native, out reason))
        {
            backend = new LapackLinearAlgebra(native, 1);
            return true;
        }

        backend = null;
        return false;
    }

    /// <inheritdoc />
    public LeastSquaresResult SolveLeastSquares(ReadOnlySpan<double> a, int m, int n, ReadOnlySpan<double> b, int nrhs, double rcond) =>
        SolveLeastSquares(a, m, n, b, nrhs, rcond, LeastSquaresPath.Auto);

    /// <summary><see cref="SolveLeastSquares(ReadOnlySpan{double}, int, int, ReadOnlySpan{double}, int, double)"/> with an explicit algorithm.</summary>
    public LeastSquaresResult SolveLeastSquares(ReadOnlySpan<double> a, int m, int n, ReadOnlySpan<double> b, int nrhs, double rcond,
        LeastSquaresPath path)
    {
        NumericsGuard.CheckLeastSquaresArguments(a, m, n, b, nrhs);
        if (m == 0 || n == 0)
            return new LeastSquaresResult(new double[(long)n * nrhs], 0, []);

        var tall = path switch
        {
            LeastSquaresPath.Auto => m >= 2L * n,
            LeastSquaresPath.Direct => false,
            LeastSquaresPath.TallQr when m >= n => true,
            LeastSquaresPath.TallQr => throw new ArgumentException($"The tall QR path needs m >= n (got {m} x {n}).", nameof(path)),
            _ => throw new ArgumentOutOfRangeException(nameof(path)),
        };
        return tall ? SolveTall(a, m, n, b, nrhs, rcond) : SolveDirect(a, m, n, b, nrhs, rcond);
    }

    // Every buffer handed to LAPACK below is an AlignedBuffer: some OpenBLAS kernels round by the address mod 16.
    private LeastSquaresResult SolveDirect(ReadOnlySpan<double> a, int m, int n, ReadOnlySpan<double> b, int nrhs, double rcond)
    {
        var acopy = new AlignedBuffer(m * n);
        a[..(m * n)].CopyTo(acopy.Span);
        var ldb = Math.Max(m, n);
        var bwork = new AlignedBuffer(Math.Max(1, ldb * nrhs));
        for (var j = 0; j < nrhs; j++)
            b.Slice(j * m, m).CopyTo(bwork.Span.Slice(j * ldb, m));
        return Gelsd(acopy, m, n, bwork, ldb, nrhs, rcond);
    }

    private LeastSquaresResult SolveTall(ReadOnlySpan<double> a, int m, int n, ReadOnlySpan<double> b, int nrhs, double rcond)
    {
        var qr = new AlignedBuffer(m * n);
        a[..(m * n)].CopyTo(qr.Span);
        var c = new AlignedBuffer(Math.Max(1, m * nrhs));
        b[..(m * nrhs)].CopyTo(c.Span);
        var nb = Math.Min(TallBlockSize, n);
        var t = new AlignedBuffer(nb * n);
        var work = new AlignedBuffer(nb * Math.Max(n, nrhs));
        fixed (double* pqr = qr.Span, pc = c.Span, pt = t.Span, pw = work.Span)
        {
            _native.Geqrt(Threads, m, n, nb, pqr, m, pt, nb, pw);
            if (nrhs > 0)
                _native.Gemqrt(Threads, (byte)'L', (byte)'T', m, nrhs, n, nb, pqr, m, pt, nb, pc, m, pw);
        }

        var r = new AlignedBuffer(n * n);
        for (var j = 0; j < n; j++)
            qr.Span.Slice(j * m, j + 1).CopyTo(r.Span.Slice(j * n, j + 1));
        var bn = new AlignedBuffer(Math.Max(1, n * nrhs));
        for (var j = 0; j < nrhs; j++)
            c.Span.Slice(j * m, n).CopyTo(bn.Span.Slice(j * n, n));
        return Gelsd(r, n, n, bn, n, nrhs, rcond);
    }

    /// <summary>dgelsd on owned, overwritable arrays: A is m x n (lda = m), B is ldb x nrhs with ldb = max(m, n).</summary>
    private LeastSquaresResult Gelsd(AlignedBuffer a, int m, int n, AlignedBuffer bwork, int ldb, int nrhs, double rcond)
    {
        var singular = new AlignedBuffer(Math.Min(m, n));
        int rank;
        int info;
        fixed (double* pa = a.Span, pb = bwork.Span, ps = singular.Span)
        {
            double workQuery;
            int iworkQuery;
            info = _native.Gelsd(Threads, m, n, nrhs, pa, m, pb, ldb, ps, rcond, out _, &workQuery, -1, &iworkQuery);
            if (info != 0)
                throw new InvalidOperationException($"LAPACK dgelsd workspace query failed with INFO = {info}.");
            var lwork = (int)Math.Ceiling(workQuery);
            var work = new AlignedBuffer(Math.Max(1, lwork));
            var iwork = new int[Math.Max(1, iworkQuery)];
            fixed (double* pw = work.Span)
            fixed (int* piw = iwork)
                info = _native.Gelsd(Threads, m, n, nrhs, pa, m, pb, ldb, ps, rcond, out rank, pw, work.Length, piw);
        }

        if (info > 0)
            throw new InvalidOperationException(
                $"LAPACK dgelsd: the SVD failed to converge ({info} off-diagonal elements of an intermediate bidiagonal form did not converge to zero).");

        var x = new double[n * nrhs];
        for (var j = 0; j < nrhs; j++)
            bwork.Span.Slice(j * ldb, n).CopyTo(x.AsSpan(j * n, n));
        return new LeastSquaresResult(x, rank, singular.Span.ToArray());
    }

    /// <inheritdoc />
    public SvdResult Svd(ReadOnlySpan<double> a, int m, int n)
    {
        NumericsGuard.CheckSvdArguments(a, m, n);
        var k = Math.Min(m, n);
        if (k == 0)
            return new SvdResult(new double[m * k], [], new double[k * n], m, n);

        // Every buffer handed to LAPACK is an AlignedBuffer: some OpenBLAS kernels round by the address mod 16.
        var acopy = new AlignedBuffer(m * n);
        a[..(m * n)].CopyTo(acopy.Span);
        var s = new AlignedBuffer(k);
        var u = new AlignedBuffer(m * k);
        var vt = new AlignedBuffer(k * n);
        var iwork = new int[8 * k];
        int info;
        fixed (double* pa = acopy.Span, ps = s.Span, pu = u.Span, pvt = vt.Span)
        fixed (int* piw = iwork)
        {
            double workQuery;
            info = _native.Gesdd(Threads, (byte)'S', m, n, pa, m, ps, pu, m, pvt, k, &workQuery, -1, piw);
            if (info != 0)
                throw new InvalidOperationException($"LAPACK dgesdd workspace query failed with INFO = {info}.");
            var work = new AlignedBuffer(Math.Max(1, (int)Math.Ceiling(workQuery)));
            fixed (double* pw = work.Span)
                info = _native.Gesdd(Threads, (byte)'S', m, n, pa, m, ps, pu, m, pvt, k, pw, work.Length, piw);
        }

        if (info > 0)
            throw new InvalidOperationException($"LAPACK dgesdd: the SVD failed to converge (INFO = {info}).");
        return new SvdResult(u.Span.ToArray(), s.Span.ToArray(), vt.Span.ToArray(), m, n);
    }

    /// <inheritdoc />
    public IQrAccumulator CreateQrAccumulator(int cols)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(cols);
        return new LapackQrAccumulator(_native, cols, Threads);
    }

    /// <inheritdoc />
    public ILinearAlgebra WithThreads(int threads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        return threads == Threads ? this : new LapackLinearAlgebra(_native, threads);
    }

    /// <summary>
    /// OpenBLAS's thread count as a call of this view sees it (openblas_get_num_threads inside the gate), or 0 if the
    /// library does not export it.
    /// </summary>
    public int ThreadsSeenByCalls() => _native.GetNumThreads(Threads);

    /// <inheritdoc />
    public void Multiply(bool transposeA, bool transposeB, int m, int n, int k, ReadOnlySpan<double> a, int lda, ReadOnlySpan<double> b, int ldb, Span<double> c, int ldc)
    {
        ManagedGemm.Check(transposeA, transposeB, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc);
        if (m == 0 || n == 0)
        {
            return;
        }

        if (k == 0 || !_native.HasGemm)
        {
            ManagedGemm.Multiply(transposeA, transposeB, m, n, k, a, lda, b, ldb, c, ldc);
            return;
        }

        fixed (double* pa = a, pb = b, pc = c)
        {
            _native.Gemm(Threads, transposeA, transposeB, m, n, k, pa, lda, pb, ldb, pc, ldc);
        }
    }

    /// <summary>C = A B for square n x n column-major matrices through dgemm (benchmarks use it as the yardstick).</summary>
    public void MultiplySquare(int n, double[] a, double[] b, double[] c)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        ArgumentNullException.ThrowIfNull(c);
        if (a.Length < n * n || b.Length < n * n || c.Length < n * n)
        {
            throw new ArgumentException($"matrices must hold {n} x {n} entries");
        }

        fixed (double* pa = a, pb = b, pc = c)
        {
            _native.Gemm(Threads, n, pa, pb, pc);
        }
    }
}

/// <summary>
/// Streaming QR on LAPACK: the first Cols rows are gathered by dgeqrt of [R; block] stacks, after which each block
/// is absorbed into the Cols x Cols triangle with dtpqrt (L = 0), and a merged R with dtpqrt (L = its rows).
/// </summary>
internal sealed unsafe class LapackQrAccumulator : QrAccumulatorBase
{
    /// <summary>Large blocks are absorbed in slices of at most this many rows to bound the copy buffer.</summary>
    private const int ChunkRows = 4096;

    private readonly LapackNative _native;
    private readonly int _threads;
    private AlignedBuffer _buffer = new(0);
    private AlignedBuffer _t = new(0);
    private AlignedBuffer _work = new(0);

    public LapackQrAccumulator(LapackNative native, int cols, int threads)
        : base(cols, ChunkRows)
    {
        _native = native;
        _threads = threads;
    }

    public override void AbsorbUpperTrapezoidal(double[] block, int rows)
    {
        ArgumentNullException.ThrowIfNull(block);
        NumericsGuard.CheckBlock(block, rows, Cols);
        if (rows > Cols)
        {
            throw new ArgumentException($"an upper-trapezoidal block has at most {Cols} rows, got {rows}", nameof(rows));
        }

        if (rows > 0)
        {
            // A short R is a valid factor once padded with zero rows (the buffer is zero below RRows), so dtpqrt
            // can take the triangular block directly instead of a dgeqrt of the stack.
            RRows = Cols;
            TpqrtInPlace(block, rows);
        }

        AddRowsAbsorbed(rows);
    }

    protected override void AbsorbOwnedTrapezoid(double[] block, int rows)
    {
        if (RRows == Cols)
            TpqrtInPlace(block, rows);
        else
            base.AbsorbOwnedTrapezoid(block, rows);
    }

    /// <summary>[R; B] -> R' with dtpqrt (L = rows: B upper trapezoidal), B copied into the aligned work buffer.</summary>
    private void TpqrtInPlace(double[] block, int rows)
    {
        var n = Cols;
        var nb = Math.Min(LapackLinearAlgebra.AccumulatorBlockSize, n);
        var b = Rent(ref _buffer, rows * n);
        block.AsSpan(0, rows * n).CopyTo(b);
        Rent(ref _t, nb * n);
        Rent(ref _work, nb * n);
        fixed (double* pr = R, pb = b, pt = _t.Span, pw = _work.Span)
            _native.Tpqrt(_threads, rows, n, rows, nb, pr, n, pb, rows, pt, nb, pw);
    }

    /// <summary>Absorbs rows [start, start + h) of the column-major <paramref name="source"/> (leading dimension ld).</summary>
    protected override void AbsorbRows(ReadOnlySpan<double> source, int ld, int start, int h, bool trapezoidal)
    {
        var n = Cols;
        if (RRows == n)
        {
            // [R; B] -> R' with dtpqrt; B is h x n (upper trapezoidal when it is another accumulator's R).
            var b = Rent(ref _buffer, h * n);
            for (var j = 0; j < n; j++)
                source.Slice(j * ld + start, h).CopyTo(b.Slice(j * h, h));
            var nb = Math.Min(LapackLinearAlgebra.AccumulatorBlockSize, n);
            Rent(ref _t, nb * n);
            Rent(ref _work, nb * n);
            fixed (double* pr = R, pb = b, pt = _t.Span, pw = _work.Span)
                _native.Tpqrt(_threads, h, n, trapezoidal ? h : 0, nb, pr, n, pb, h, pt, nb, pw);
            return;
        }

        // Fewer than Cols rows so far: QR of the stack [current r x n trapezoid; new rows].
        var mStack = RRows + h;
        var k = Math.Min(mStack, n);
        var s = Rent(ref _buffer, mStack * n);
        for (var j = 0; j < n; j++)
        {
            R.Slice(j * n, RRows).CopyTo(s.Slice(j * mStack, RRows));
            source.Slice(j * ld + start, h).CopyTo(s.Slice(j * mStack + RRows, h));
        }

        var nbStack = Math.Min(LapackLinearAlgebra.AccumulatorBlockSize, k);
        Rent(ref _t, nbStack * k);
        Rent(ref _work, nbStack * n);
        fixed (double* ps = s, pt = _t.Span, pw = _work.Span)
            _native.Geqrt(_threads, mStack, n, nbStack, ps, mStack, pt, nbStack, pw);

        for (var j = 0; j < n; j++)
        {
            var upper = Math.Min(j + 1, k);
            s.Slice(j * mStack, upper).CopyTo(R.Slice(j * n, upper));
            R.Slice(j * n + upper, n - upper).Clear();
        }

        RRows = k;
    }

    private static Span<double> Rent(ref AlignedBuffer buffer, int length)
    {
        if (buffer.Length < length)
            buffer = new AlignedBuffer(Math.Max(length, 2 * buffer.Length));
        return buffer.Span[..length];
    }
}

/// <summary>Argument checks shared by the backends.</summary>
internal static class NumericsGuard
{
    public static void CheckLeastSquaresArguments(ReadOnlySpan<double> a, int m, int n, ReadOnlySpan<double> b, int nrhs)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfNegative(nrhs);
        if ((long)m * n > Array.MaxLength || (long)m * nrhs > Array.MaxLength || (long)Math.Max(m, n) * nrhs > Array.MaxLength)
            throw new ArgumentException($"Problem too large for in-memory arrays: {m} x {n}, {nrhs} right-hand sides.");
        if (a.Length < m * n)
            throw new ArgumentException($"A has {a.Length} elements; a {m} x {n} matrix needs {m * n}.", nameof(a));
        if (b.Length < m * nrhs)
            throw new ArgumentException($"B has {b.Length} elements; a {m} x {nrhs} matrix needs {m * nrhs}.", nameof(b));
    }

    public static void CheckSvdArguments(ReadOnlySpan<double> a, int m, int n)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        if ((long)m * n > Array.MaxLength)
            throw new ArgumentException($"Matrix too large for an in-memory array: {m} x {n}.");
        if (a.Length < m * n)
            throw new ArgumentException($"A has {a.Length} elements; a {m} x {n} matrix needs {m * n}.", nameof(a));
    }

    public static void CheckBlock(ReadOnlySpan<double> block, int rows, int cols)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        if ((long)rows * cols > block.Length)
            throw new ArgumentException($"Block has {block.Length} elements; {rows} x {cols} needs {(long)rows * cols}.", nameof(block));
    }
}
