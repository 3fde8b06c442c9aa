using Hnn.Stages.Model;
using Hnn.Stages.Numerics;

namespace Hnn.Stages.Training;

/// <summary>
/// A least-squares problem min ||A c - y|| (A: <see cref="Rows"/> x n) as the tall-skinny QR leaves it: A = Q [R; 0], so
/// ||A c - y||^2 = ||R c - (Q^T y)_(0..n)||^2 + <see cref="Residual"/>^2, where the residual is the norm of the rows of
/// Q^T y that no choice of c can reach. Everything the regularised solves, generalised cross-validation and the
/// Bayesian output layer need (docs/ALGORITHM.md §2.4) — no second pass over the data.
/// </summary>
public sealed record ReducedProblem
{
    /// <param name="r">n x n, column-major (upper triangular in practice; any square matrix is accepted).</param>
    /// <param name="n">Unknowns (N + 1 for the output layer).</param>
    /// <param name="qty">The first n entries of Q^T y.</param>
    /// <param name="residual">Norm of the remaining rows of Q^T y (&gt;= 0).</param>
    /// <param name="rows">Rows m of the full problem (&gt;= 1): 2 d K + 1 for the gradient system with its anchor row.</param>
    public ReducedProblem(double[] r, int n, double[] qty, double residual, long rows)
    {
        ArgumentNullException.ThrowIfNull(r);
        ArgumentNullException.ThrowIfNull(qty);
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        if (r.Length != (long)n * n)
        {
            throw new ArgumentException($"R has {r.Length} entries, expected {n} x {n}", nameof(r));
        }

        if (qty.Length != n)
        {
            throw new ArgumentException($"Q^T y has {qty.Length} entries, expected {n}", nameof(qty));
        }

        if (!(residual >= 0) || !double.IsFinite(residual))
        {
            throw new ArgumentOutOfRangeException(nameof(residual), residual, "the residual norm must be finite and >= 0");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(rows, 1);
        R = r;
        N = n;
        Qty = qty;
        Residual = residual;
        Rows = rows;
    }

    /// <summary>n x n, column-major.</summary>
    public double[] R { get; }

    /// <summary>Unknowns n.</summary>
    public int N { get; }

    /// <summary>The first n entries of Q^T y.</summary>
    public double[] Qty { get; }

    /// <summary>Norm of the part of y outside the column space of A (the rows of Q^T y below n).</summary>
    public double Residual { get; }

    /// <summary>Rows m of the full problem.</summary>
    public long Rows { get; }

    /// <summary>
    /// Trajectory rows only (<see cref="FromRows(ILinearAlgebra, HiddenLayer, double[][], double[][], Anchor, TrajectoryRowSteps)"/>):
    /// the N x N triangle R_D (column-major, N = n - 1 hidden neurons) of the differenced rows B^T S — for every trajectory
    /// and observation l the row s_(l-1) / h_(l-1) - s_l / h_l (s_l = 1 - tanh^2 z at row l's feature point; missing
    /// terms at the ends zero) — so that R_D^T R_D = S^T B B^T S, the rows' noise covariance seen through the features
    /// (docs/ALGORITHM.md §2.6). Null otherwise.
    /// </summary>
    public double[]? NoiseTriangle { get; init; }

    /// <summary>With <see cref="NoiseTriangle"/>: tr(B B^T) = sum_n 2 / h_n^2 over the rows of one coordinate (<see cref="TrajectoryRowSteps.Trace"/>).</summary>
    public double NoiseTrace { get; init; } = double.NaN;

    /// <summary>
    /// The reduced problem of a dense system (a tall-skinny QR of [A | b]; for tests and for small systems such as
    /// validation rows).
    /// </summary>
    public static ReducedProblem FromSystem(ILinearAlgebra la, LinearSystem system)
    {
        ArgumentNullException.ThrowIfNull(la);
        ArgumentNullException.ThrowIfNull(system);
        var n = system.Cols;
        var acc = la.CreateQrAccumulator(n + 1);
        var block = new double[(long)system.Rows * (n + 1)];
        system.A.CopyTo(block, 0);
        system.B.CopyTo(block, (long)system.Rows * n);
        acc.Absorb(block, system.Rows);
        return FromAugmentedR(acc, n, system.Rows, 0);
    }

    /// <summary>The reduced problem of the gradient system on (x, dx) — the TSQR in chunks of <see cref="OutputLayer.DefaultChunkRows"/>.</summary>
    public static ReducedProblem FromRows(ILinearAlgebra la, HiddenLayer hidden, double[][] x, double[][] dx, Anchor anchor)
    {
        ArgumentNullException.ThrowIfNull(x);
        var (r, rRows) = GradientR(la, hidden, x, dx);
        return FromGradientR(la, hidden, r, rRows, anchor, x[0].Length);
    }

    /// <summary>
    /// <see cref="FromRows(ILinearAlgebra, HiddenLayer, double[][], double[][], Anchor)"/> on trajectory rows, with the
    /// triangle of the differenced rows (<see cref="NoiseTriangle"/>) built in the same pass: the rows of a trajectory
    /// come consecutively, so each chunk's S block is differenced (carrying the previous chunk's last row) and absorbed
    /// by a second TSQR. The triangle, Q^T y and the residual are bit for bit those without <paramref name="steps"/>.
    /// </summary>
    public static ReducedProblem FromRows(ILinearAlgebra la, HiddenLayer hidden, double[][] x, double[][] dx, Anchor anchor, TrajectoryRowSteps steps)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(steps);
        if (steps.Steps.Length != x[0].Length)
        {
            throw new ArgumentException($"{steps.Steps.Length} steps for {x[0].Length} rows", nameof(steps));
        }

        var (r, rRows, noise) = GradientR(la, hidden, x, dx, steps);
        return FromGradientR(la, hidden, r, rRows, anchor, x[0].Length) with { NoiseTriangle = noise, NoiseTrace = steps.Trace };
    }

    /// <summary>R of the gradient system [A | b] on (x, dx), absorbed in chunks of <see cref="OutputLayer.DefaultChunkRows"/> rows.</summary>
    internal static (double[] R, int Rows) GradientR(ILinearAlgebra la, HiddenLayer hidden, double[][] x, double[][] dx)
    {
        var (r, rows, _) = GradientR(la, hidden, x, dx, null);
        return (r, rows);
    }

    /// <summary>With <paramref name="steps"/>: also the N x N triangle of the differenced S rows (<see cref="NoiseTriangle"/>), from the same blocks.</summary>
    private static (double[] R, int Rows, double[]? Noise) GradientR(ILinearAlgebra la, HiddenLayer hidden, double[][] x, double[][] dx, TrajectoryRowSteps? steps)
    {
        var k = x[0].Length;
        var n = hidden.Width;
        var acc = la.CreateQrAccumulator(n + dx.Length);
        var noiseAcc = steps is null ? null : la.CreateQrAccumulator(n);
        bool[] first = [], last = [];
        var previous = new double[n];
        if (steps is not null)
        {
            first = new bool[k];
            last = new bool[k];
            var row = 0;
            foreach (var count in steps.RowsPerTrajectory)
            {
                first[row] = true;
                last[row + count - 1] = true;
                row += count;
            }
        }

        for (var start = 0; start < k; start += OutputLayer.DefaultChunkRows)
        {
            var count = Math.Min(OutputLayer.DefaultChunkRows, k - start);
            var block = GradientSystem.AugmentedBlock(hidden, x, dx, start, count);
            acc.Absorb(block, count);
            if (noiseAcc is not null)
            {
                var differenced = DifferencedBlock(block, count, n, start, steps!.Steps, first, last, previous, out var emitted);
                noiseAcc.Absorb(differenced, emitted);
            }
        }

        var r = acc.GetR(out var rows);
        double[]? noise = null;
        if (noiseAcc is not null)
        {
            var rd = noiseAcc.GetR(out var noiseRows);
            noise = new double[(long)n * n];
            for (var j = 0; j < n; j++)
            {
                rd.AsSpan(j * noiseRows, Math.Min(noiseRows, n)).CopyTo(noise.AsSpan(j * n));
            }
        }

        return (r, rows, noise);
    }

    /// <summary>
    /// The differenced rows of one chunk (column-major, N columns): for each row k, s_(k-1) / h_(k-1) - s_k / h_k (only
    /// -s_k / h_k at a trajectory's first row; s_(k-1) from <paramref name="previous"/> across chunks), and after a
    /// trajectory's last row also s_k / h_k. <paramref name="previous"/> is left holding the chunk's last s_k / h_k.
    /// </summary>
    private static double[] DifferencedBlock(double[] block, int count, int n, int start, double[] h, bool[] first, bool[] last, double[] previous, out int emitted)
    {
        emitted = count;
        for (var k = start; k < start + count; k++)
        {
            emitted += last[k] ? 1 : 0;
        }

        var rows = emitted;
        var result = new double[(long)rows * n];
        var current = new double[n];
        var e = 0;
        for (var k = 0; k < count; k++)
        {
            var g = start + k;
            var inv = 1 / h[g];
            for (var j = 0; j < n; j++)
            {
                current[j] = block[(j * count) + k] * inv;
                result[(j * rows) + e] = (first[g] ? 0 : previous[j]) - current[j];
            }

            e++;
            if (last[g])
            {
                for (var j = 0; j < n; j++)
                {
                    result[(j * rows) + e] = current[j];
                }

                e++;
            }

            current.CopyTo(previous, 0);
        }

        return result;
    }

    /// <summary>
    /// The reduced problem of the output layer's gradient system (docs/ALGORITHM.md §2.3) from the R factor of [S | U]
    /// (<paramref name="rRows"/> x (N + 2d), column-major, as the TSQR gives it) over <paramref name="dataRows"/> = K
    /// training points. The triangle and Q^T y are those of <see cref="GradientSystem.ReducedTriangle"/> (the same
    /// operations in the same order, so bit for bit the same); in addition the residual collects what that solve drops:
    /// the part of every u_r outside the span of S (rows N.. of R's u columns) and the second QR's last row.
    /// </summary>
    public static ReducedProblem FromGradientR(ILinearAlgebra la, HiddenLayer hidden, double[] r, int rRows, Anchor anchor, long dataRows)
    {
        ArgumentNullException.ThrowIfNull(la);
        ArgumentNullException.ThrowIfNull(hidden);
        ArgumentNullException.ThrowIfNull(r);
        ArgumentNullException.ThrowIfNull(anchor);
        var n = hidden.Width;
        var dim = hidden.InputDim;
        var cols = n + dim;
        if (r.Length != (long)rRows * cols)
        {
            throw new ArgumentException($"R has {r.Length} entries, expected {rRows} x {cols}", nameof(r));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(dataRows, rRows);
        var rs = Math.Min(rRows, n);

        // Part 1 of the residual: u_o minus its projection on span(S) is column N + o of R below row r_S.
        double outside = 0;
        for (var o = 0; o < dim; o++)
        {
            var column = r.AsSpan(((n + o) * rRows) + rs, rRows - rs);
            foreach (var v in column)
            {
                outside += v * v;
            }
        }

        // Part 2: the reduced problem folded exactly as GradientSystem.ReducedTriangle folds it.
        var acc = la.CreateQrAccumulator(n + 2);
        var block = new double[(long)rs * (n + 2)];
        for (var o = 0; o < dim; o++)
        {
            Array.Clear(block);
            for (var j = 0; j < n; j++)
            {
                var dj = GradientSystem.DiagonalEntry(hidden, o, j);
                var src = r.AsSpan(j * rRows, Math.Min(j + 1, rs));
                var dst = block.AsSpan(j * rs, src.Length);
                for (var k = 0; k < src.Length; k++)
                {
                    dst[k] = src[k] * dj;
                }
            }

            r.AsSpan((n + o) * rRows, rs).CopyTo(block.AsSpan((n + 1) * rs, rs));
            acc.AbsorbUpperTrapezoidal(block, rs);
        }

        var anchorRow = GradientSystem.AnchorRow(hidden, anchor);
        acc.Absorb([.. anchorRow, anchor.H0], 1);
        return FromAugmentedR(acc, n + 1, checked((dim * dataRows) + 1), outside);
    }

    /// <summary>From the R of [A | b] (n + 1 columns): the n x n triangle (zero-padded), Q^T b and the residual.</summary>
    private static ReducedProblem FromAugmentedR(IQrAccumulator acc, int n, long rows, double extraSquared)
    {
        var kept = Math.Min(acc.RowsInR, n);
        var top = new double[(long)kept * n];
        var rhs = new double[kept];
        acc.CopyR(kept, 0, n, top);
        acc.CopyR(kept, n, 1, rhs);
        var r = new double[(long)n * n];
        for (var j = 0; j < n; j++)
        {
            top.AsSpan(j * kept, kept).CopyTo(r.AsSpan(j * n, kept));
        }

        var qty = new double[n];
        rhs.CopyTo(qty, 0);
        var residualSquared = extraSquared;
        if (acc.RowsInR > n)
        {
            // Row n of the augmented R holds only the residual norm in its last column.
            var column = new double[n + 1];
            acc.CopyR(n + 1, n, 1, column);
            residualSquared += column[n] * column[n];
        }

        return new ReducedProblem(r, n, qty, Math.Sqrt(residualSquared), rows);
    }
}
