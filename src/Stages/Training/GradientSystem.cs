using Hnn.Stages.Model;
using Hnn.Stages.Numerics;

namespace Hnn.Stages.Training;

/// <summary>
/// Assembly of the least-squares problem of DESIGN.md §2.2 (full) and of its reduced form (§2.3).
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
        CheckData(hidden, x, dx);
        var n = hidden.Width;
        var block = new double[(long)count * (n + dx.Length)];
        var s = block.AsSpan(0, count * n);
        hidden.PreActivations(x, start, count, s);
        HiddenLayer.TanhDerivativeInPlace(s);

        for (var r = 0; r < dx.Length; r++)
        {
            dx[r].AsSpan(start, count).CopyTo(block.AsSpan((n + r) * count, count));
        }

        return block;
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
    /// The reduced (2d r_S + 1) x (N + 1) system of DESIGN.md §2.3 from the R factor of [S | U]
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
    /// Solves the reduced problem of DESIGN.md §2.3 without ever holding it whole: each block [R_S D_r | 0 | Q^T u_r]
    /// (r_S x (N + 2)) and the anchor row [tanh(z(x0)) | 1 | H0] are folded into a running QR, whose (N + 1) x (N + 1)
    /// triangle (same singular values as the reduced matrix) and transformed right-hand side go to the rcond-truncated
    /// solve. Memory O(N^2) instead of O(d N^2).
    /// </summary>
    public static (Network Network, int Rank) SolveReduced(ILinearAlgebra la, HiddenLayer hidden, double[] r, int rRows, Anchor anchor, double rcond)
    {
        ArgumentNullException.ThrowIfNull(la);
        var rs = ReducedRows(hidden, r, rRows);
        var n = hidden.Width;
        var acc = la.CreateQrAccumulator(n + 2);
        var block = new double[(long)rs * (n + 2)];
        var rhs = new double[rs];
        for (var o = 0; o < hidden.InputDim; o++)
        {
            // [R_S D_o | 0 | Q^T u_o]: upper trapezoidal, so the cheap triangular absorb applies. Every block writes
            // the same positions, so the zeros below the diagonal and in column N stay from the allocation.
            FillReducedBlock(hidden, r, rRows, rs, o, block, rhs, rs, 0);
            rhs.CopyTo(block.AsSpan((n + 1) * rs, rs));
            acc.AbsorbUpperTrapezoidal(block, rs);
        }

        var anchorRow = AnchorRow(hidden, anchor);
        acc.Absorb([.. anchorRow, anchor.H0], 1);

        var rf = acc.GetR(out var rfRows);
        var rows = Math.Min(rfRows, n + 1);
        var a = new double[(long)rows * (n + 1)];
        for (var j = 0; j <= n; j++)
        {
            rf.AsSpan(j * rfRows, rows).CopyTo(a.AsSpan(j * rows, rows));
        }

        var b = rf.AsSpan((n + 1) * rfRows, rows).ToArray();
        return Solve(la, hidden, new LinearSystem(a, rows, n + 1, b), rcond);
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

    /// <summary>The full (2dK + 1) x (N + 1) system of DESIGN.md §2.2 (what the reference hands to dgelsd).</summary>
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
