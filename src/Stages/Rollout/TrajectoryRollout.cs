using System.Globalization;
using Hnn.Datasets;

namespace Hnn.Stages.Rollout;

/// <summary>
/// How well a field reproduces observed trajectories: <see cref="RelativeError"/> = sqrt(sum |x^_n - x_n|^2) /
/// sqrt(sum |x_n|^2) over every observation after each trajectory's first, <see cref="MaxError"/> the largest
/// |x^_n - x_n| (Euclidean), over <see cref="Trajectories"/> trajectories and <see cref="Observations"/> compared states.
/// </summary>
public sealed record TrajectoryRolloutError(double RelativeError, double MaxError, int Trajectories, long Observations);

/// <summary>
/// The held-out-trajectory rollout error (issue 13): each trajectory is integrated from its first observed state by the
/// adaptive DOP853 on the given field (learned or exact) to its own observation times, and compared with the
/// observations. Needs no H, so it applies to trajectory files too. Trajectories with the same times (relative to their
/// first) are integrated together. Pure.
/// </summary>
public static class TrajectoryRollout
{
    /// <summary>Default DOP853 tolerance (rtol = atol): far below any learned model's error.</summary>
    public const double DefaultTolerance = 1e-10;

    /// <exception cref="ArgumentException">The field's d differs from the set's.</exception>
    /// <exception cref="InvalidOperationException">DOP853 failed (the learned field blew up); the message says where.</exception>
    public static TrajectoryRolloutError Measure(HamiltonianField field, TrajectorySet set, double tolerance = DefaultTolerance, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(field);
        ArgumentNullException.ThrowIfNull(set);
        if (field.Dof != set.Dof)
        {
            throw new ArgumentException($"the field has {field.Dof} degree(s) of freedom, the trajectories {set.Dof}", nameof(field));
        }

        var dim = 2 * set.Dof;
        var groups = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        var order = new List<string>();
        for (var m = 0; m < set.Count; m++)
        {
            var t = set.Trajectories[m].Times;
            var key = string.Join(",", t.Select(v => (v - t[0]).ToString("R", CultureInfo.InvariantCulture)));
            if (!groups.TryGetValue(key, out var list))
            {
                groups[key] = list = [];
                order.Add(key);
            }

            list.Add(m);
        }

        double num = 0, den = 0, max = 0;
        long count = 0;
        foreach (var key in order)
        {
            var members = groups[key];
            var first = set.Trajectories[members[0]];
            var times = first.Times.Select(v => v - first.Times[0]).ToArray();
            var x0 = Batch.New(dim, members.Count);
            for (var g = 0; g < members.Count; g++)
            {
                for (var i = 0; i < dim; i++)
                {
                    x0[i][g] = set.Trajectories[members[g]].States[i][0];
                }
            }

            var solved = Rollouts.Reference(field, x0, times, tolerance, ct);
            for (var g = 0; g < members.Count; g++)
            {
                var observed = set.Trajectories[members[g]].States;
                for (var n = 1; n < times.Length; n++)
                {
                    double e2 = 0;
                    for (var i = 0; i < dim; i++)
                    {
                        var e = solved.States[n][i][g] - observed[i][n];
                        e2 += e * e;
                        den += observed[i][n] * observed[i][n];
                    }

                    num += e2;
                    max = Math.Max(max, Math.Sqrt(e2));
                    count++;
                }
            }
        }

        return new TrajectoryRolloutError(Math.Sqrt(num / den), max, set.Count, count);
    }
}
