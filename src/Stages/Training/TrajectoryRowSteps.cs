using Hnn.Datasets;

namespace Hnn.Stages.Training;

/// <summary>
/// Where the trajectory rows (one per step, trajectories in order: <see cref="Formulations.Rows"/>) come from: how many
/// rows each trajectory has and every row's step h_n. Row n's target noise is (e_(n+1) - e_n) / h_n (e the observation
/// noise), so the rows' noise covariance is blockwise B B^T with B the scaled difference operator of each trajectory
/// (docs/ALGORITHM.md §2.6); this is what <see cref="ReducedProblem.FromRows(Numerics.ILinearAlgebra, HiddenLayer, double[][], double[][], Anchor, TrajectoryRowSteps)"/>
/// needs to build the triangle of the differenced rows.
/// </summary>
public sealed record TrajectoryRowSteps
{
    public TrajectoryRowSteps(int[] rowsPerTrajectory, double[] steps)
    {
        ArgumentNullException.ThrowIfNull(rowsPerTrajectory);
        ArgumentNullException.ThrowIfNull(steps);
        if (rowsPerTrajectory.Any(r => r < 1) || rowsPerTrajectory.Sum(r => (long)r) != steps.Length)
        {
            throw new ArgumentException($"{rowsPerTrajectory.Length} trajectories with {rowsPerTrajectory.Sum(r => (long)r)} rows for {steps.Length} steps; every trajectory needs >= 1 row");
        }

        if (steps.Any(h => !(h > 0) || !double.IsFinite(h)))
        {
            throw new ArgumentException("every step must be finite and > 0", nameof(steps));
        }

        RowsPerTrajectory = rowsPerTrajectory;
        Steps = steps;
    }

    /// <summary>Rows (steps) of each trajectory, in order.</summary>
    public int[] RowsPerTrajectory { get; }

    /// <summary>h_n of every row, in row order.</summary>
    public double[] Steps { get; }

    /// <summary>The rows' steps of a trajectory set, in the row order of <see cref="Formulations.Rows"/>.</summary>
    public static TrajectoryRowSteps Of(TrajectorySet set)
    {
        ArgumentNullException.ThrowIfNull(set);
        var rows = set.Trajectories.Where(t => t.Steps > 0).ToArray();
        return new TrajectoryRowSteps([.. rows.Select(t => t.Steps)],
            [.. rows.SelectMany(t => Enumerable.Range(0, t.Steps).Select(n => t.Times[n + 1] - t.Times[n]))]);
    }

    /// <summary>tr(B B^T) = sum_n 2 / h_n^2: the summed target-noise variance of one coordinate's rows in units of the observation noise variance.</summary>
    public double Trace => Steps.Sum(h => 2 / (h * h));
}
