using Hnn.Stages.Model;
using Hnn.Stages.Numerics;

namespace Hnn.Stages.Training;

/// <summary>
/// Assembly of the least-squares problem of docs/ALGORITHM.md §2.2 (full) and of its reduced form (§2.3).
/// Training data are columns: <c>x[i][k]</c> (q_1..q_d, p_1..p_d) and <c>dx[i][k]</c> (dq_1..dq_d, dp_1..dp_d).
/// Output column r of the 2d right-hand sides pairs with the diagonal D_r: for r &lt; d (dq_r/dt) D = +W[p_r],
/// for r &gt;= d (dp_(r-d)/dt) D = -W[q_(r-d)].
/// </summary>
public static class GradientSystem
{
    /// <summary>The signed weight row D_r of right-hand side r (see the type's remarks).</summary>
    public static double DiagonalEntry(HiddenLayer hidden, int r, int j)
    {
        var d = hidden.InputDim / 2;
        return r < d ? hidden.Weights[d + r][j] : -hidden.Weights[r - d][j];
    }

    /// <summary>
    /// The rows x (N + 2d) block [S | U] for rows <c>start .. start+count</c>: S = 1 - tanh^2(z), U = dx. Column-major.
    /// </summary>
    public static double[] AugmentedBlock(HiddenLayer hidden, double[][] x, double[][] dx, int start, int count)
    {
        var block = new double[(long)count * (hidden.Width + dx.Length)];
        AugmentedBlock(hidden, x, dx, start, count, block);
        return block;
    }

    /// <summary>
    /// <see cref="AugmentedBlock(HiddenLayer, double[][], double[][], int, int)"/> into a caller-owned buffer of at least
    /// count x (N + 2d) entries (so a streaming caller can reuse one buffer per worker instead of allocating per chunk).
    /// </summary>
    public static void AugmentedBlock(HiddenLayer hidden, double[][] x, double[][] dx, int start, int count, Span<double> block)
    {
        CheckData(hidden, x, dx);
        var n = hidden.Width;
        if (block.Length < (long)count * (n + dx.Length))
        {
            throw new ArgumentException($"block buffer has {block.Length} entries, needs {count} x {n + dx.Length}", nameof(block));
        }

        var s = block[..(count * n)];
        hidden.PreActivations(x, start, count, s);
        HiddenLayer.TanhDerivativeInPlace(s);

        for (var r = 0; r < dx.Length; r++)
        {
            dx[r].AsSpan(start, count).CopyTo(block.Slice((n + r) * count, count));
        }
    }

    /// <summary>The anchor row [tanh(z_j(x0)) ..., 1].</summary>
    public static double[] AnchorRow(HiddenLayer hidden, Anchor anchor)
    {
        if (anchor.X0.Length != hidden.InputDim)
        {
            throw new ArgumentException($"anchor x0 has {anchor.X0.Length} coordinates, the model has {hidden.InputDim}", nameof(anchor));
        }

        var row = new double[hidden.Width + 1];
        for (var j = 0; j < hidden.Width; j++)
        {
            row[j] = Math.Tanh(hidden.PreActivation(j, anchor.X0));
        }

        row[hidden.Width] = 1;
        return row;
    }

    /// <summary>
    /// The reduced (2d r_S + 1) x (N + 1) system of docs/ALGORITHM.md §2.3 from the R factor of [S | U]
    /// (<paramref name="rRows"/> x (N + 2d), column-major).
    /// </summary>
    public static LinearSystem Reduce(HiddenLayer hidden, double[] r, int rRows, Anchor anchor)
    {
        var rs = ReducedRows(hidden, r, rRows);
        var n = hidden.Width;
        var rows = (hidden.InputDim * rs) + 1;
        var a = new double[(long)rows * (n + 1)];
        var b = new double[rows];
        for (var o = 0; o < hidden.InputDim; o++)
        {
            FillReducedBlock(hidden, r, rRows, rs, o, a, b, rows, o * rs);
        }

        var anchorRow = AnchorRow(hidden, anchor);
        for (var j = 0; j <= n; j++)
        {
            a[((long)j * rows) + rows - 1] = anchorRow[j];
        }

        b[rows - 1] = anchor.H0;
        return new LinearSystem(a, rows, n + 1, b);
    }

    /// <summary>
    /// Solves the reduced problem of docs/ALGORITHM.md §2.3 without ever holding it whole: each block [R_S D_r | 0 | Q^T u_r]
    /// (r_S x (N + 2)) and the anchor row [tanh(z(x0)) | 1 | H0] are folded into a running QR, whose (N + 1) x (N + 1)
    /// triangle (same singular values as the reduced matrix) and transformed right-hand side go to the rcond-truncated
    /// solve. Memory O(N^2) instead of O(d N^2).
    /// </summary>
    public static (Network Network, int Rank) SolveReduced(ILinearAlgebra la, HiddenLayer hidden, double[] r, int rRows, Anchor anchor, double rcond) =>
        Solve(la, hidden, ReducedTriangle(la, hidden, r, rRows, anchor), rcond);

    /// <summary>
    /// The first half of <see cref="SolveReduced"/>: the (N + 1) x (N + 1) triangle (and transformed right-hand side)
    /// with the singular values of the reduced problem, ready for the rcond-truncated <see cref="Solve"/>.
    /// </summary>
    public static LinearSystem ReducedTriangle(ILinearAlgebra la, HiddenLayer hidden, double[] r, int rRows, Anchor anchor)
    {
        ArgumentNullException.ThrowIfNull(la);
        var rs = ReducedRows(hidden, r, rRows);
        var n = hidden.Width;
        var acc = la.CreateQrAccumulator(n + 2);
        var block = new double[(long)rs * (n + 2)];
        var rhs = new double[rs];
        for (var o = 0; o < hidden.InputDim; o++)
        {
            // [R_S D_o | 0 | Q^T u_o]: upper trapezoidal, so the cheap triangular absorb applies. The absorb
            // overwrites the block (no copy of an N x N array), hence the clear.
            Array.Clear(block);
            FillReducedBlock(hidden, r, rRows, rs, o, block, rhs, rs, 0);
            rhs.CopyTo(block.AsSpan((n + 1) * rs, rs));
            acc.AbsorbUpperTrapezoidal(block, rs);
        }

        var anchorRow = AnchorRow(hidden, anchor);
        acc.Absorb([.. anchorRow, anchor.H0], 1);

        block = [];
        // Rows 0..N of [R_A | Q^T b] (the last row of R, if any, only holds the residual norm).
        var rows = Math.Min(acc.RowsInR, n + 1);
        var a = new double[(long)rows * (n + 1)];
        var b = new double[rows];
        acc.CopyR(rows, 0, n + 1, a);
        acc.CopyR(rows, n + 1, 1, b);
        return new LinearSystem(a, rows, n + 1, b);
    }

    /// <summary>Checks R's shape and returns r_S = min(rows of R, N): the rows of R that belong to S.</summary>
    private static int ReducedRows(HiddenLayer hidden, double[] r, int rRows)
    {
        var cols = hidden.Width + hidden.InputDim;
        if (r.Length != (long)rRows * cols)
        {
            throw new ArgumentException($"R has {r.Length} entries, expected {rRows} x {cols}", nameof(r));
        }

        return Math.Min(rRows, hidden.Width);
    }

    /// <summary>
    /// Writes block o of the reduced system, R_S D_o, into rows <paramref name="rowOffset"/>.. of the column-major
    /// <paramref name="a"/> (leading dimension <paramref name="ld"/>), and Q^T u_o (column N + o of R) into b.
    /// </summary>
    private static void FillReducedBlock(HiddenLayer hidden, double[] r, int rRows, int rs, int o, double[] a, double[] b, int ld, int rowOffset)
    {
        var n = hidden.Width;
        for (var j = 0; j < n; j++)
        {
            var dj = DiagonalEntry(hidden, o, j);
            var src = r.AsSpan(j * rRows, Math.Min(j + 1, rs));
            var dst = a.AsSpan((j * ld) + rowOffset, src.Length);
            for (var k = 0; k < src.Length; k++)
            {
                dst[k] = src[k] * dj;
            }
        }

        r.AsSpan((n + o) * rRows, rs).CopyTo(b.AsSpan(rowOffset, rs));
    }

    /// <summary>The full (2dK + 1) x (N + 1) system of docs/ALGORITHM.md §2.2 (what the reference hands to dgelsd).</summary>
    public static LinearSystem Full(HiddenLayer hidden, double[][] x, double[][] dx, Anchor anchor)
    {
        CheckData(hidden, x, dx);
        var k = x[0].Length;
        var n = hidden.Width;
        var outputs = dx.Length;
        var rows = checked((outputs * k) + 1);
        var a = new double[(long)rows * (n + 1)];
        var b = new double[rows];
        var s = new double[(long)k * n];
        hidden.PreActivations(x, 0, k, s);
        HiddenLayer.TanhDerivativeInPlace(s);

        for (var o = 0; o < outputs; o++)
        {
            for (var j = 0; j < n; j++)
            {
                var dj = DiagonalEntry(hidden, o, j);
                var src = s.AsSpan(j * k, k);
                var dst = a.AsSpan(checked((j * rows) + (o * k)), k);
                for (var e = 0; e < k; e++)
                {
                    dst[e] = src[e] * dj;
                }
            }

            dx[o].AsSpan(0, k).CopyTo(b.AsSpan(o * k, k));
        }

        var anchorRow = AnchorRow(hidden, anchor);
        for (var j = 0; j <= n; j++)
        {
            a[((long)j * rows) + rows - 1] = anchorRow[j];
        }

        b[rows - 1] = anchor.H0;
        return new LinearSystem(a, rows, n + 1, b);
    }

    /// <summary>Solves the (full or reduced) system with rcond truncation and returns the network.</summary>
    public static (Network Network, int Rank) Solve(ILinearAlgebra la, HiddenLayer hidden, LinearSystem system, double rcond)
    {
        if (system.Cols != hidden.Width + 1)
        {
            throw new ArgumentException($"system has {system.Cols} unknowns, the layer needs {hidden.Width + 1}", nameof(system));
        }

        var result = la.SolveLeastSquares(system.A, system.Rows, system.Cols, system.B, 1, rcond);
        var c = result.X.AsSpan(0, hidden.Width).ToArray();
        return (new Network(hidden, c, result.X[hidden.Width]), result.Rank);
    }

    internal static void CheckData(HiddenLayer hidden, double[][] x, double[][] dx)
    {
        if (x.Length != hidden.InputDim || dx.Length != hidden.InputDim)
        {
            throw new ArgumentException(
                $"data has {x.Length} coordinates and {dx.Length} derivatives, the layer expects {hidden.InputDim} of each");
        }

        if (hidden.InputDim % 2 != 0)
        {
            throw new ArgumentException($"input dimension {hidden.InputDim} is not even (x = (q, p))");
        }
    }
}
