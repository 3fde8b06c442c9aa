namespace Hnn.Api;

/// <summary>A rollout of one initial state: the state at each saved time.</summary>
public sealed class HnnTrajectory
{
    internal HnnTrajectory(double[] times, double[][] states)
    {
        Times = times;
        States = states;
    }

    /// <summary>The times n·dt, n = 0..steps (index k of <see cref="States"/>).</summary>
    public IReadOnlyList<double> Times { get; }

    /// <summary><c>States[k]</c> is the state (q1..qd, p1..pd) at <c>Times[k]</c>; <c>States[0]</c> is x0.</summary>
    public IReadOnlyList<double[]> States { get; }

    /// <summary>The number of saved states (steps + 1).</summary>
    public int Count => Times.Count;
}
