using Hnn.Datasets;

namespace Hnn.Stages.Rollout;

/// <summary>
/// Drift of the Kepler invariants along trajectories: per trajectory m and time t_k, |L(t_k) - L(t_0)| (the Euclidean
/// norm of the difference in 3-D) and ||A(t_k)| - |A(t_0)||, both divided by <see cref="Scale"/>, with their maxima
/// over trajectories per time and over everything.
/// </summary>
/// <param name="Scale">The denominators per trajectory: max(|L(t_0)|, tiny) for L and k for |A| (|A| = k e may be 0).</param>
public sealed record KeplerDriftSeries(
    double[] Times,
    double[][] AngularMomentum,
    double[][] RungeLenz,
    double[] MaxAngularMomentum,
    double[] MaxRungeLenz,
    double[] Scale)
{
    /// <summary>Largest relative drift of L over all times and trajectories.</summary>
    public double WorstAngularMomentum => MaxAngularMomentum.Max();

    /// <summary>Largest drift of |A| (relative to k) over all times and trajectories.</summary>
    public double WorstRungeLenz => MaxRungeLenz.Max();
}

/// <summary>Harmonic normal-mode energies along trajectories: <c>Energies[m][k][w]</c>, trajectory m, time k, mode w.</summary>
/// <param name="Times">The save times.</param>
/// <param name="Energies">Per trajectory, per time, the energies of <see cref="Fput.ModeEnergies"/>.</param>
public sealed record ModeEnergySeries(double[] Times, double[][][] Energies)
{
    /// <summary>The fraction E_w / sum_w E_w of mode <paramref name="mode"/> over time, for trajectory <paramref name="trajectory"/>.</summary>
    public double[] Fraction(int trajectory, int mode) =>
        [.. Energies[trajectory].Select(e => e[mode] / Math.Max(e.Sum(), RolloutDiagnostics.Tiny))];
}

/// <summary>
/// Diagnostics of conserved quantities beyond H along rollouts (Kepler: angular momentum and Laplace–Runge–Lenz
/// vector; FPUT: normal-mode energies and their recurrence). Pure functions, next to <see cref="RolloutDiagnostics"/>.
/// </summary>
public static class InvariantDiagnostics
{
    /// <summary>The drift of L and |A| of <paramref name="system"/> along every trajectory of <paramref name="trajectory"/>.</summary>
    public static KeplerDriftSeries KeplerDrift(Kepler system, Trajectory trajectory)
    {
        ArgumentNullException.ThrowIfNull(system);
        ArgumentNullException.ThrowIfNull(trajectory);
        CheckDim(system, trajectory);
        var count = trajectory.Count;
        var length = trajectory.Length;
        var l = new double[count][];
        var a = new double[count][];
        var maxL = new double[length];
        var maxA = new double[length];
        var scale = new double[count];
        var x = new double[trajectory.Dim];
        for (var m = 0; m < count; m++)
        {
            l[m] = new double[length];
            a[m] = new double[length];
            Copy(trajectory.States[0], m, x);
            var l0 = system.AngularMomentum(x);
            var a0 = Norm(system.RungeLenz(x));
            scale[m] = Math.Max(Norm(l0), RolloutDiagnostics.Tiny);
            for (var k = 0; k < length; k++)
            {
                Copy(trajectory.States[k], m, x);
                var lk = system.AngularMomentum(x);
                double d2 = 0;
                for (var i = 0; i < lk.Length; i++)
                {
                    d2 += (lk[i] - l0[i]) * (lk[i] - l0[i]);
                }

                l[m][k] = Math.Sqrt(d2) / scale[m];
                a[m][k] = Math.Abs(Norm(system.RungeLenz(x)) - a0) / system.K;
                maxL[k] = Math.Max(maxL[k], l[m][k]);
                maxA[k] = Math.Max(maxA[k], a[m][k]);
            }
        }

        return new KeplerDriftSeries((double[])trajectory.Times.Clone(), l, a, maxL, maxA, scale);
    }

    /// <summary>The normal-mode energies of <paramref name="system"/> at every saved state.</summary>
    public static ModeEnergySeries ModeEnergies(Fput system, Trajectory trajectory)
    {
        ArgumentNullException.ThrowIfNull(system);
        ArgumentNullException.ThrowIfNull(trajectory);
        CheckDim(system, trajectory);
        var x = new double[trajectory.Dim];
        var energies = new double[trajectory.Count][][];
        for (var m = 0; m < trajectory.Count; m++)
        {
            energies[m] = new double[trajectory.Length][];
            for (var k = 0; k < trajectory.Length; k++)
            {
                Copy(trajectory.States[k], m, x);
                energies[m][k] = system.ModeEnergies(x);
            }
        }

        return new ModeEnergySeries((double[])trajectory.Times.Clone(), energies);
    }

    /// <summary>
    /// The first recurrence of a fraction series: the first time at which <paramref name="fraction"/> is back at or above
    /// <paramref name="high"/> after having fallen below <paramref name="low"/> (low &lt; high), with the minimum reached
    /// in between; NaN time when it never returns (or never leaves).
    /// </summary>
    public static (double Time, double Minimum) FirstRecurrence(double[] times, double[] fraction, double low, double high)
    {
        ArgumentNullException.ThrowIfNull(times);
        ArgumentNullException.ThrowIfNull(fraction);
        if (times.Length != fraction.Length)
        {
            throw new ArgumentException($"{times.Length} times for {fraction.Length} values", nameof(fraction));
        }

        if (!(low < high))
        {
            throw new ArgumentOutOfRangeException(nameof(low), low, $"low must be below high ({high})");
        }

        var left = false;
        var minimum = double.PositiveInfinity;
        for (var k = 0; k < times.Length; k++)
        {
            if (left)
            {
                minimum = Math.Min(minimum, fraction[k]);
                if (fraction[k] >= high)
                {
                    return (times[k], minimum);
                }
            }
            else if (fraction[k] < low)
            {
                left = true;
                minimum = fraction[k];
            }
        }

        return (double.NaN, minimum);
    }

    private static void CheckDim(HamiltonianSystem system, Trajectory trajectory)
    {
        if (trajectory.Dim != 2 * system.Dof)
        {
            throw new ArgumentException($"the trajectory has {trajectory.Dim} coordinates, system '{system.Name}' {2 * system.Dof}", nameof(trajectory));
        }
    }

    private static void Copy(double[][] batch, int m, double[] x)
    {
        for (var i = 0; i < x.Length; i++)
        {
            x[i] = batch[i][m];
        }
    }

    private static double Norm(double[] v)
    {
        double s = 0;
        foreach (var e in v)
        {
            s += e * e;
        }

        return Math.Sqrt(s);
    }
}
