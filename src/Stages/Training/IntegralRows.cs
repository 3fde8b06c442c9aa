using Hnn.Datasets;
using Hnn.Stages.Model;

namespace Hnn.Stages.Training;

/// <summary>
/// The midpoint rows of noisy trajectories, whitened (docs/ALGORITHM.md §2.6). With observations y_n = x_n + e_n, e_n
/// iid N(0, diag(sigma_i^2)), the rows (y_(n+1) - y_n) / h_n of one trajectory share their observations, so their noise
/// is correlated (-1/2 between neighbours); the Gaussian model of §2.5 treats them as independent and its bands are
/// wrong. Summing the midpoint rows, y_n = y_0' + sum_(k&lt;n) h_k J grad H(x~_k) + e_n with the start y_0' unknown:
/// after centring every trajectory and coordinate over n = 0..N (which removes the start) the rows
///     (y_(n,i) - mean_n y_(.,i)) / s_i = sum_j c_j (L_(n,i,j) - mean_n L_(.,i,j)) / s_i,   L_(n,i,j) = sum_(k&lt;n) h_k (J grad phi_j(x~_k))_i
/// have noise of marginal sd sigma_i sqrt(N / (N + 1)) and correlation -1/N within a trajectory and coordinate (centring
/// leaves N of N + 1 dimensions), so scaled by sqrt((N + 1) / N) and divided by s_i (relative noise sigma_i = sigma s_i)
/// every row has noise sd sigma: least squares on them is the maximum-likelihood fit under iid observation noise (up to
/// the noise in the feature points), and the Bayesian layer's model holds up to that small correlation. Same unknowns (c_1..c_N, c_0) and anchor row as <see cref="GradientSystem.Full"/>.
/// </summary>
public static class IntegralRows
{
    /// <summary>The whitened system of <paramref name="set"/>'s midpoint rows (dense; for study sizes).</summary>
    /// <param name="hidden">The hidden layer.</param>
    /// <param name="set">The trajectories (every trajectory at least 2 observations).</param>
    /// <param name="scale">s_i per coordinate (2d entries, &gt; 0): the rows of coordinate i are divided by it.</param>
    /// <param name="anchor">H(x0) = H0, one more row.</param>
    public static LinearSystem System(HiddenLayer hidden, TrajectorySet set, ReadOnlySpan<double> scale, Anchor anchor)
    {
        ArgumentNullException.ThrowIfNull(hidden);
        ArgumentNullException.ThrowIfNull(set);
        var rows = Formulations.Rows(set, TargetFormulation.Midpoint);
        var dim = rows.X.Length;
        if (scale.Length != dim)
        {
            throw new ArgumentException($"{scale.Length} scales for {dim} coordinates", nameof(scale));
        }

        var steps = GradientSystem.Full(hidden, rows.X, rows.Dx, anchor); // row o K + k: (J grad phi(x~_k))_o . c = (y_(k+1) - y_k)_o / h_k
        var k = rows.Count;
        var n = hidden.Width + 1;
        var observations = set.Trajectories.Sum(t => t.Length);
        var m = checked((dim * observations) + 1);
        var a = new double[(long)m * n];
        var b = new double[m];
        var level = new double[n];
        var row = 0;
        var first = 0; // first step row of the trajectory
        foreach (var t in set.Trajectories)
        {
            var count = t.Length;
            var factor = Math.Sqrt(count / (double)(count - 1));
            for (var o = 0; o < dim; o++)
            {
                var w = factor / scale[o];
                Array.Clear(level);
                double meanY = 0;
                var meanL = new double[n];
                var levels = new double[count][];
                for (var s = 0; s < count; s++)
                {
                    if (s > 0)
                    {
                        var h = t.Times[s] - t.Times[s - 1];
                        var src = (o * k) + first + s - 1;
                        for (var j = 0; j < n; j++)
                        {
                            level[j] += h * steps.A[((long)j * steps.Rows) + src];
                        }
                    }

                    levels[s] = (double[])level.Clone();
                    meanY += t.States[o][s];
                    for (var j = 0; j < n; j++)
                    {
                        meanL[j] += level[j];
                    }
                }

                meanY /= count;
                for (var s = 0; s < count; s++, row++)
                {
                    b[row] = w * (t.States[o][s] - meanY);
                    for (var j = 0; j < n; j++)
                    {
                        a[((long)j * m) + row] = w * (levels[s][j] - (meanL[j] / count));
                    }
                }
            }

            first += t.Steps;
        }

        for (var j = 0; j < n; j++)
        {
            a[((long)j * m) + m - 1] = steps.A[((long)j * steps.Rows) + steps.Rows - 1];
        }

        b[m - 1] = steps.B[steps.Rows - 1];
        return new LinearSystem(a, m, n, b);
    }

    /// <summary>The RMS of every coordinate over all observations of <paramref name="set"/> (the s_i of relative noise).</summary>
    public static double[] CoordinateRms(TrajectorySet set)
    {
        ArgumentNullException.ThrowIfNull(set);
        var dim = 2 * set.Dof;
        var rms = new double[dim];
        for (var i = 0; i < dim; i++)
        {
            double s2 = 0;
            long count = 0;
            foreach (var t in set.Trajectories)
            {
                foreach (var v in t.States[i])
                {
                    s2 += v * v;
                    count++;
                }
            }

            rms[i] = Math.Sqrt(s2 / count);
        }

        return rms;
    }
}
