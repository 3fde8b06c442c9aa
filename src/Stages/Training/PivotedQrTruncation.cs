using System.Numerics.Tensors;
using Hnn.Stages.Numerics;

namespace Hnn.Stages.Training;

/// <summary>
/// <c>solver.truncation: pivoted-qr</c>: truncates the reduced triangle by a QR with column pivoting, A P = Q R
/// (LAPACK dgeqp3 on the native backend, a managed Householder QR with the same pivoting rule otherwise), instead of
/// its SVD. |R_ii| does not increase along the diagonal; columns whose |R_ii| is at or below rcond x |R_00| are
/// dropped (set to zero) and the kept k columns solved by back substitution on R_11 (k x k) against the first k
/// entries of Q^T b: the basic solution of LAPACK's dgelsy without its complete orthogonal step, so not the
/// minimum-norm solution the SVD gives. Cost O(N^3) like the SVD, but one factorisation instead of a
/// bidiagonalisation and its iteration.
/// </summary>
public sealed unsafe class PivotedQrTruncation : Truncation
{
    private PivotedQrTruncation()
    {
    }

    /// <summary>The one instance (registered in <see cref="Truncation.All"/>).</summary>
    public static PivotedQrTruncation Instance { get; } = new();

    /// <inheritdoc />
    public override string Name => "pivoted-qr";

    /// <inheritdoc />
    public override (double[] X, int Rank) Solve(ILinearAlgebra la, LinearSystem triangle, double rcond)
    {
        ArgumentNullException.ThrowIfNull(la);
        ArgumentNullException.ThrowIfNull(triangle);
        if (!(rcond >= 0) || rcond >= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(rcond), rcond, "rcond must be in [0, 1)");
        }

        var (m, n) = (triangle.Rows, triangle.Cols);
        var k = Math.Min(m, n);
        var qr = triangle.A.AsSpan(0, m * n).ToArray();
        var tau = new double[k];
        var pivot = new int[n]; // pivot[i]: the original column in position i (0-based)
        if (k > 0)
        {
            if (la is LapackLinearAlgebra lapack)
            {
                Geqp3(lapack, m, n, qr, tau, pivot);
            }
            else
            {
                Factor(m, n, qr, tau, pivot);
            }
        }

        return SolveFactored(m, n, qr, tau, pivot, triangle.B, rcond);
    }

    /// <summary>Rank kept: the leading diagonal entries with |R_ii| above rcond x |R_00|.</summary>
    internal static int Rank(int m, int k, double[] qr, double rcond)
    {
        if (k == 0)
        {
            return 0;
        }

        var largest = Math.Abs(qr[0]);
        var rank = 0;
        while (rank < k && Math.Abs(qr[(rank * m) + rank]) > rcond * largest)
        {
            rank++;
        }

        return rank;
    }

    /// <summary>x = P [R_11^-1 (Q^T b)_1; 0] from the factors (Householder vectors below the diagonal, as dgeqp3 leaves them).</summary>
    private static (double[] X, int Rank) SolveFactored(int m, int n, double[] qr, double[] tau, int[] pivot, double[] b, double rcond)
    {
        var k = Math.Min(m, n);
        var rank = Rank(m, k, qr, rcond);
        var qtb = b.AsSpan(0, m).ToArray();

        // Q^T b = H_(k-1) ... H_0 b; its first `rank` entries need the first `rank` reflectors only.
        for (var i = 0; i < rank; i++)
        {
            var v = qr.AsSpan((i * m) + i + 1, m - i - 1);
            var tail = qtb.AsSpan(i + 1);
            var w = tau[i] * (qtb[i] + TensorPrimitives.Dot(v, tail));
            qtb[i] -= w;
            TensorPrimitives.MultiplyAdd(v, -w, tail, tail);
        }

        // Back substitution on R_11, column by column.
        var z = qtb.AsSpan(0, rank);
        for (var j = rank - 1; j >= 0; j--)
        {
            z[j] /= qr[(j * m) + j];
            var above = z[..j];
            TensorPrimitives.MultiplyAdd(qr.AsSpan(j * m, j), -z[j], above, above);
        }

        var x = new double[n];
        for (var i = 0; i < rank; i++)
        {
            x[pivot[i]] = z[i];
        }

        return (x, rank);
    }

    /// <summary>dgeqp3 on the aligned copy of <paramref name="qr"/>, under the view's BLAS threads (every column free to pivot).</summary>
    private static void Geqp3(LapackLinearAlgebra lapack, int m, int n, double[] qr, double[] tau, int[] pivot)
    {
        var native = lapack.Native;
        if (!native.TryGetExport("dgeqp3_", out var address))
        {
            throw new InvalidOperationException(
                $"solver.truncation: pivoted-qr needs LAPACK's dgeqp3_, which '{native.LibraryPath}' does not export; use solver.truncation: svd, or solver.backend: managed");
        }

        // SUBROUTINE DGEQP3(M, N, A, LDA, JPVT, TAU, WORK, LWORK, INFO)
        var geqp3 = (delegate* unmanaged<int*, int*, double*, int*, int*, double*, double*, int*, int*, void>)address;
        var a = new AlignedBuffer(m * n); // every LAPACK buffer aligned: some OpenBLAS kernels round by the address
        qr.AsSpan(0, m * n).CopyTo(a.Span);
        var t = new AlignedBuffer(tau.Length);
        var jpvt = new int[n]; // zero: every column free
        int info;
        fixed (double* pa = a.Span, pt = t.Span)
        fixed (int* pj = jpvt)
        {
            double query;
            var lwork = -1;
            using (native.Enter(lapack.Threads))
            {
                geqp3(&m, &n, pa, &m, pj, pt, &query, &lwork, &info);
            }

            if (info != 0)
            {
                throw new InvalidOperationException($"LAPACK dgeqp3 workspace query failed with INFO = {info}.");
            }

            var work = new AlignedBuffer(Math.Max((3 * n) + 1, (int)Math.Ceiling(query)));
            lwork = work.Length;
            fixed (double* pw = work.Span)
            {
                using (native.Enter(lapack.Threads))
                {
                    geqp3(&m, &n, pa, &m, pj, pt, pw, &lwork, &info);
                }
            }
        }

        if (info != 0)
        {
            throw new InvalidOperationException($"LAPACK dgeqp3 failed with INFO = {info}.");
        }

        a.Span.CopyTo(qr);
        t.Span.CopyTo(tau);
        for (var j = 0; j < n; j++)
        {
            pivot[j] = jpvt[j] - 1;
        }
    }

    /// <summary>
    /// The managed factorisation (for the managed backend): Householder QR with column pivoting by the largest remaining
    /// column norm, norms downdated and recomputed when cancellation makes the update unreliable (LAPACK's dlaqp2 rule),
    /// reflectors as dlarfg makes them. Same factors as dgeqp3 up to rounding (and ties).
    /// </summary>
    internal static void Factor(int m, int n, double[] qr, double[] tau, int[] pivot)
    {
        var k = Math.Min(m, n);
        var norms = new double[n];
        var exact = new double[n];
        for (var j = 0; j < n; j++)
        {
            pivot[j] = j;
            norms[j] = exact[j] = TensorPrimitives.Norm(qr.AsSpan(j * m, m));
        }

        var tolerance = Math.Sqrt(1.1102230246251565e-16); // sqrt(DLAMCH('E')), dlaqp2's TOL3Z
        for (var i = 0; i < k; i++)
        {
            var best = i;
            for (var j = i + 1; j < n; j++)
            {
                if (norms[j] > norms[best])
                {
                    best = j;
                }
            }

            if (best != i)
            {
                var ci = qr.AsSpan(i * m, m);
                var cb = qr.AsSpan(best * m, m);
                for (var e = 0; e < m; e++)
                {
                    (ci[e], cb[e]) = (cb[e], ci[e]);
                }

                (pivot[i], pivot[best]) = (pivot[best], pivot[i]);
                norms[best] = norms[i];
                exact[best] = exact[i];
            }

            // Reflector H = I - tau v v^T with v = [1; x / (alpha - beta)] taking column i to [beta; 0].
            var alpha = qr[(i * m) + i];
            var x = qr.AsSpan((i * m) + i + 1, m - i - 1);
            var xnorm = TensorPrimitives.Norm(x);
            if (xnorm == 0)
            {
                tau[i] = 0;
            }
            else
            {
                var beta = -Math.CopySign(double.Hypot(alpha, xnorm), alpha);
                tau[i] = (beta - alpha) / beta;
                TensorPrimitives.Multiply(x, 1 / (alpha - beta), x);
                qr[(i * m) + i] = beta;
            }

            for (var j = i + 1; j < n; j++)
            {
                var col = qr.AsSpan(j * m, m);
                if (tau[i] != 0)
                {
                    var below = col[(i + 1)..];
                    var w = tau[i] * (col[i] + TensorPrimitives.Dot(x, below));
                    col[i] -= w;
                    TensorPrimitives.MultiplyAdd(x, -w, below, below);
                }

                if (norms[j] != 0)
                {
                    var ratio = Math.Abs(col[i]) / norms[j];
                    var shrink = Math.Max(0, (1 - ratio) * (1 + ratio));
                    var drift = shrink * (norms[j] / exact[j]) * (norms[j] / exact[j]);
                    if (drift <= tolerance)
                    {
                        norms[j] = exact[j] = TensorPrimitives.Norm(col[(i + 1)..]);
                    }
                    else
                    {
                        norms[j] *= Math.Sqrt(shrink);
                    }
                }
            }
        }
    }
}
