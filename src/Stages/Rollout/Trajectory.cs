namespace Hnn.Stages.Rollout;

/// <summary>
/// States of M trajectories saved at common times. <c>States[k]</c> is the column-major batch at <c>Times[k]</c>:
/// <c>States[k][i][m]</c> is coordinate i (q_1..q_d, p_1..p_d) of trajectory m. Times are strictly increasing.
/// </summary>
/// <remarks>The arrays are owned by the trajectory; do not modify them after construction.</remarks>
public sealed record Trajectory
{
    /// <summary>Checks the shapes: one batch per time, every batch with the same dim &gt;= 2 columns of the same count &gt;= 1.</summary>
    public Trajectory(double[] times, double[][][] states)
    {
        ArgumentNullException.ThrowIfNull(times);
        ArgumentNullException.ThrowIfNull(states);
        if (times.Length == 0)
        {
            throw new ArgumentException("a trajectory needs at least one time", nameof(times));
        }

        if (states.Length != times.Length)
        {
            throw new ArgumentException($"{states.Length} saved state batches for {times.Length} times", nameof(states));
        }

        for (var k = 1; k < times.Length; k++)
        {
            if (!(times[k] > times[k - 1]))
            {
                throw new ArgumentException($"times must be strictly increasing: times[{k - 1}] = {times[k - 1]}, times[{k}] = {times[k]}", nameof(times));
            }
        }

        var dim = states[0]?.Length ?? 0;
        if (dim < 2 || dim % 2 != 0)
        {
            throw new ArgumentException($"states have {dim} coordinates; expected 2d >= 2 (q and p)", nameof(states));
        }

        var count = Batch.Check(states[0], dim, "states[0]");
        if (count < 1)
        {
            throw new ArgumentException("a trajectory needs at least one state per time", nameof(states));
        }

        for (var k = 1; k < states.Length; k++)
        {
            Batch.CheckSame(states[k], dim, count, $"states[{k}]");
        }

        Times = times;
        States = states;
    }

    /// <summary>The save times.</summary>
    public double[] Times { get; }

    /// <summary><c>States[k][i][m]</c>: coordinate i of trajectory m at <c>Times[k]</c>.</summary>
    public double[][][] States { get; }

    /// <summary>Number of saved times.</summary>
    public int Length => Times.Length;

    /// <summary>State dimension 2d.</summary>
    public int Dim => States[0].Length;

    /// <summary>Degrees of freedom d.</summary>
    public int Dof => Dim / 2;

    /// <summary>Number of trajectories M (initial conditions).</summary>
    public int Count => States[0][0].Length;

    /// <summary>A copy of the state of trajectory <paramref name="m"/> at save index <paramref name="k"/> (length 2d).</summary>
    public double[] State(int k, int m)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(k, Length);
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(m, Count);
        var x = new double[Dim];
        Batch.Gather(States[k], m, x);
        return x;
    }

    /// <summary>Coordinate <paramref name="coordinate"/> of trajectory <paramref name="m"/> at every save time (a new array).</summary>
    public double[] Series(int coordinate, int m)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(coordinate);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(coordinate, Dim);
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(m, Count);
        var s = new double[Length];
        for (var k = 0; k < s.Length; k++)
        {
            s[k] = States[k][coordinate][m];
        }

        return s;
    }

    /// <summary>The batch of all M states at the last save time.</summary>
    public double[][] Last => States[^1];
}
