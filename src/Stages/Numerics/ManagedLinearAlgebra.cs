using System.Numerics;
using MathNet.Numerics.Providers.LinearAlgebra;

namespace Hnn.Stages.Numerics;

/// <summary>
/// Pure managed <see cref="ILinearAlgebra"/> on MathNet.Numerics' managed provider (never a native MathNet provider).
/// Least squares follows dgelsd: thin Householder QR of A, Q^T B, SVD of the n x n R, singular values at or below
/// rcond * sigma_max dropped (rcond outside (0, 1) means machine epsilon, as in LAPACK), minimum-norm solution;
/// for m &lt; n the SVD of A itself. Stateless, so thread-safe.
/// </summary>
public sealed class ManagedLinearAlgebra : ILinearAlgebra
{
    /// <summary>LAPACK's DLAMCH('E') = 2^-53, used by dgelsd when rcond is not in (0, 1).</summary>
    private const double LapackEpsilon = 1.1102230246251565e-16;

    private static readonly ManagedLinearAlgebraProvider Provider = ManagedLinearAlgebraProvider.Instance;

    public ManagedLinearAlgebra()
    {
        var version = typeof(ManagedLinearAlgebraProvider).Assembly.GetName().Version;
        Name = version is null ? "managed (MathNet.Numerics)" : $"managed (MathNet.Numerics {version.Major}.{version.Minor}.{version.Build})";
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    public bool IsNative => false;

    /// <inheritdoc />
    public LeastSquaresResult SolveLeastSquares(ReadOnlySpan<double> a, int m, int n, ReadOnlySpan<double> b, int nrhs, double rcond)
    {
        NumericsGuard.CheckLeastSquaresArguments(a, m, n, b, nrhs);
        if (m == 0 || n == 0)
            return new LeastSquaresResult(new double[(long)n * nrhs], 0, []);

        var bcopy = b[..(m * nrhs)].ToArray();
        if (m >= n)
        {
            // A = Q R (thin); min ||R x - Q^T B||, then SVD of the n x n R.
            var q = a[..(m * n)].ToArray();
            var r = new double[n * n];
            Provider.ThinQRFactor(q, m, n, r, new double[n]);
            var qtb = new double[n * nrhs];
            if (nrhs > 0)
                Provider.MatrixMultiplyWithUpdate(Transpose.Transpose, Transpose.DontTranspose, 1.0, q, m, n, bcopy, m, nrhs, 0.0, qtb);
            return SvdSolve(r, n, n, qtb, nrhs, rcond);
        }

        return SvdSolve(a[..(m * n)].ToArray(), m, n, bcopy, nrhs, rcond);
    }

    /// <summary>Minimum-norm truncated-SVD solution of the m x n system (a is overwritten), b is m x nrhs.</summary>
    private static LeastSquaresResult SvdSolve(double[] a, int m, int n, double[] b, int nrhs, double rcond)
    {
        var k = Math.Min(m, n);
        var s = new double[k];
        var u = new double[m * m];
        var vt = new double[n * n];
        Provider.SingularValueDecomposition(true, a, m, n, s, u, vt);

        // Order descending (MathNet already does; keep it robust) and take absolute values.
        var order = Enumerable.Range(0, k).OrderByDescending(i => Math.Abs(s[i])).ToArray();
        var sorted = order.Select(i => Math.Abs(s[i])).ToArray();
        var cutoff = (rcond > 0 && rcond < 1 ? rcond : LapackEpsilon) * (k > 0 ? sorted[0] : 0);
        var rank = 0;
        while (rank < k && sorted[rank] > cutoff)
            rank++;

        var x = new double[n * nrhs];
        var w = new double[rank];
        for (var j = 0; j < nrhs; j++)
        {
            var bj = b.AsSpan(j * m, m);
            for (var p = 0; p < rank; p++)
            {
                var i = order[p];
                w[p] = Kernels.Dot(u.AsSpan(i * m, m), bj) / sorted[p];
            }

            // x_j = sum_p V[:, i_p] w_p, with V[c, i] = VT[i, c] = vt[c * n + i].
            var xj = x.AsSpan(j * n, n);
            for (var c = 0; c < n; c++)
            {
                var sum = 0.0;
                var row = c * n;
                for (var p = 0; p < rank; p++)
                    sum += vt[row + order[p]] * w[p];
                xj[c] = sum;
            }
        }

        return new LeastSquaresResult(x, rank, sorted);
    }

    /// <inheritdoc />
    /// <remarks>
    /// MathNet's managed SVD computes the full U (m x m) and V^T (n x n); the first k columns of U and rows of V^T are
    /// kept, reordered by descending singular value.
    /// </remarks>
    public SvdResult Svd(ReadOnlySpan<double> a, int m, int n)
    {
        NumericsGuard.CheckSvdArguments(a, m, n);
        var k = Math.Min(m, n);
        if (k == 0)
            return new SvdResult(new double[m * k], [], new double[k * n], m, n);

        var s = new double[k];
        var uFull = new double[m * m];
        var vtFull = new double[n * n];
        Provider.SingularValueDecomposition(true, a[..(m * n)].ToArray(), m, n, s, uFull, vtFull);
        var order = Enumerable.Range(0, k).OrderByDescending(i => Math.Abs(s[i])).ToArray();
        var u = new double[m * k];
        var vt = new double[k * n];
        var sorted = new double[k];
        for (var p = 0; p < k; p++)
        {
            var i = order[p];
            var sign = s[i] < 0 ? -1.0 : 1.0;
            sorted[p] = Math.Abs(s[i]);
            for (var r = 0; r < m; r++)
                u[p * m + r] = sign * uFull[i * m + r];
            for (var c = 0; c < n; c++)
                vt[c * k + p] = vtFull[c * n + i];
        }

        return new SvdResult(u, sorted, vt, m, n);
    }

    /// <inheritdoc />
    public IQrAccumulator CreateQrAccumulator(int cols)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(cols);
        return new ManagedQrAccumulator(cols);
    }

    /// <inheritdoc />
    public int Threads => 1;

    /// <summary>This backend itself: it runs each call on the calling thread (validates the argument only).</summary>
    public ILinearAlgebra WithThreads(int threads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        return this;
    }
}

/// <summary>
/// Managed streaming QR with Householder reflections. Until Cols rows have been seen, each block is stacked under the
/// current r x Cols trapezoid and the stack is factored; afterwards the stack [R; block] is factored with reflectors
/// that skip R's known zeros (the dtpqrt structure), so a block of h rows costs O(h Cols^2).
/// </summary>
internal sealed class ManagedQrAccumulator : QrAccumulatorBase
{
    private const int ChunkRows = 1024;

    private double[] _buffer = [];

    public ManagedQrAccumulator(int cols)
        : base(cols, ChunkRows)
    {
    }

    protected override void AbsorbRows(ReadOnlySpan<double> source, int ld, int start, int h, bool trapezoidal)
    {
        var n = Cols;
        if (RRows == n)
        {
            var w = Rent(h * n);
            for (var j = 0; j < n; j++)
                source.Slice(j * ld + start, h).CopyTo(w.Slice(j * h, h));
            Kernels.TriangleUpdate(R, n, w, h, trapezoidal);
            return;
        }

        var mStack = RRows + h;
        var k = Math.Min(mStack, n);
        var s = Rent(mStack * n);
        for (var j = 0; j < n; j++)
        {
            R.Slice(j * n, RRows).CopyTo(s.Slice(j * mStack, RRows));
            source.Slice(j * ld + start, h).CopyTo(s.Slice(j * mStack + RRows, h));
        }

        Kernels.HouseholderR(s, mStack, n);
        for (var j = 0; j < n; j++)
        {
            var upper = Math.Min(j + 1, k);
            s.Slice(j * mStack, upper).CopyTo(R.Slice(j * n, upper));
            R.Slice(j * n + upper, n - upper).Clear();
        }

        RRows = k;
    }

    private Span<double> Rent(int length)
    {
        if (_buffer.Length < length)
            _buffer = GC.AllocateUninitializedArray<double>(Math.Max(length, 2 * _buffer.Length));
        return _buffer.AsSpan(0, length);
    }
}

/// <summary>Small managed Householder kernels (column-major).</summary>
internal static class Kernels
{
    /// <summary>
    /// In-place Householder QR of the m x n matrix s (leading dimension m); on exit its upper trapezoid is R
    /// (entries below the diagonal are garbage).
    /// </summary>
    public static void HouseholderR(Span<double> s, int m, int n)
    {
        var steps = Math.Min(m, n);
        for (var j = 0; j < steps; j++)
        {
            var col = s.Slice(j * m + j, m - j);
            var v = col[1..];
            if (!MakeReflector(ref col[0], v, out var tau))
                continue;
            for (var c = j + 1; c < n; c++)
            {
                var target = s.Slice(c * m + j, m - j);
                var d = tau * (target[0] + Dot(v, target[1..]));
                target[0] -= d;
                Axpy(-d, v, target[1..]);
            }
        }
    }

    /// <summary>
    /// QR of the stack [R; W]: R is n x n upper triangular (leading dimension n) and is overwritten by the new R;
    /// W is h x n (leading dimension h) and is destroyed. With <paramref name="trapezoidal"/>, W is upper
    /// trapezoidal (W[i, j] = 0 for i &gt; j) and those zeros are skipped.
    /// </summary>
    public static void TriangleUpdate(Span<double> r, int n, Span<double> w, int h, bool trapezoidal)
    {
        for (var j = 0; j < n; j++)
        {
            var len = trapezoidal ? Math.Min(j + 1, h) : h;
            var v = w.Slice(j * h, len);
            if (!MakeReflector(ref r[j * n + j], v, out var tau))
                continue;
            for (var c = j + 1; c < n; c++)
            {
                var target = w.Slice(c * h, len);
                ref var rjc = ref r[c * n + j];
                var d = tau * (rjc + Dot(v, target));
                rjc -= d;
                Axpy(-d, v, target);
            }
        }
    }

    /// <summary>
    /// LAPACK dlarfg: H = I - tau [1; v][1; v]^T maps [alpha; x] to [beta; 0]. Overwrites alpha with beta and x with v.
    /// Returns false (H = I) when x is zero.
    /// </summary>
    private static bool MakeReflector(ref double alpha, Span<double> x, out double tau)
    {
        var xnorm = Norm(x);
        if (xnorm == 0)
        {
            tau = 0;
            return false;
        }

        var beta = -Math.CopySign(double.Hypot(alpha, xnorm), alpha);
        tau = (beta - alpha) / beta;
        Scale(1.0 / (alpha - beta), x);
        alpha = beta;
        return true;
    }

    private static double Norm(ReadOnlySpan<double> x)
    {
        var ss = Dot(x, x);
        if (ss > 1e-280 && ss < 1e280)
            return Math.Sqrt(ss);

        // Rare: rescale to avoid under/overflow.
        var max = 0.0;
        foreach (var value in x)
            max = Math.Max(max, Math.Abs(value));
        if (max == 0 || double.IsInfinity(max) || double.IsNaN(max))
            return max;
        var sum = 0.0;
        foreach (var value in x)
        {
            var t = value / max;
            sum += t * t;
        }

        return max * Math.Sqrt(sum);
    }

    public static double Dot(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        var i = 0;
        var sum = 0.0;
        if (Vector.IsHardwareAccelerated && x.Length >= 2 * Vector<double>.Count)
        {
            var acc0 = Vector<double>.Zero;
            var acc1 = Vector<double>.Zero;
            var width = Vector<double>.Count;
            for (; i <= x.Length - 2 * width; i += 2 * width)
            {
                acc0 += new Vector<double>(x.Slice(i, width)) * new Vector<double>(y.Slice(i, width));
                acc1 += new Vector<double>(x.Slice(i + width, width)) * new Vector<double>(y.Slice(i + width, width));
            }

            sum = Vector.Sum(acc0 + acc1);
        }

        for (; i < x.Length; i++)
            sum += x[i] * y[i];
        return sum;
    }

    private static void Axpy(double alpha, ReadOnlySpan<double> x, Span<double> y)
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated && x.Length >= Vector<double>.Count)
        {
            var width = Vector<double>.Count;
            var va = new Vector<double>(alpha);
            for (; i <= x.Length - width; i += width)
                (new Vector<double>(y.Slice(i, width)) + va * new Vector<double>(x.Slice(i, width))).CopyTo(y.Slice(i, width));
        }

        for (; i < x.Length; i++)
            y[i] += alpha * x[i];
    }

    private static void Scale(double alpha, Span<double> x)
    {
        for (var i = 0; i < x.Length; i++)
            x[i] *= alpha;
    }
}
