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
/// Trajectories of a set integrated together because their observation times (relative to their first) are the same:
/// <see cref="Members"/> are the indices in the set, <see cref="Solved"/> the rollout (batch column g is member g) at
/// those relative times.
/// </summary>
public sealed record RolloutGroup(int[] Members, Trajectory Solved);

/// <summary>The rollouts of every trajectory of a set (<see cref="TrajectoryRollout.Solve"/>) and their error.</summary>
public sealed record TrajectoryRollouts(TrajectoryRolloutError Error, IReadOnlyList<RolloutGroup> Groups, double Tolerance);

/// <summary>
/// The one-step rule of a trajectory fit's rows (<c>model.target</c>), used to roll the learned H out at the observation
/// steps (<see cref="TrajectoryRollout.SolveStepwise"/>).
/// </summary>
public enum ObservationRule
{
    /// <summary>x_(n+1) = x_n + h J grad H((x_n + x_(n+1)) / 2): the <c>midpoint</c> rows.</summary>
    ImplicitMidpoint,

    /// <summary>x_(n+1) = x_n + h J grad H(q_(n+1), p_n), implicit in q: the <c>finite-difference</c> rows.</summary>
    SymplecticEulerQ,
}

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

    /// <summary>
    /// A field's tolerance is at least this multiple of its measured gradient noise (<see cref="GradientNoise"/>): DOP853's
    /// local error estimate of a step of length h sees noise of about h times the field's, so a tolerance below the noise
    /// makes the step size collapse (a learned H of cancelling output weights, noise 1e-8, took > 9 min at 1e-10 on a
    /// 10-time-unit rollout that takes 0.3 s at 1e-7; docs/RELIABILITY.md).
    /// </summary>
    public const double NoiseFactor = 10;

    /// <summary>Attempted DOP853 steps allowed per observation interval (plus <see cref="BaseSteps"/>) before a rollout is given up.</summary>
    public const int StepsPerObservation = 100;

    /// <summary>Attempted DOP853 steps allowed on top of <see cref="StepsPerObservation"/> per observation.</summary>
    public const int BaseSteps = 1000;

    /// <summary>
    /// The rounding noise of <paramref name="field"/>'s gradient near the first states of (up to 8 of) the trajectories:
    /// the largest |g(x + d e_k) - 2 g(x) + g(x - d e_k)| / 2 over the probe states x, coordinates k and two offsets
    /// d = 2^-36 max(1, |x_k|) and 2^-30 max(1, |x_k|) — a second difference, so the field's smooth part contributes
    /// ~d^2 (below 1e-18) and what is left is rounding. About 1e-16 for an exact H, ~1e-8 for a learned H whose output
    /// weights cancel at 1e8. Deterministic (fixed probes).
    /// </summary>
    public static double GradientNoise(HamiltonianField field, TrajectorySet set, int maxProbes = 8)
    {
        ArgumentNullException.ThrowIfNull(field);
        ArgumentNullException.ThrowIfNull(set);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxProbes, 1);
        CheckDof(field, set);
        var dim = 2 * set.Dof;
        var probes = Math.Min(maxProbes, set.Count);
        double[] offsets = [Math.ScaleB(1, -36), Math.ScaleB(1, -30)];
        var perProbe = 1 + (2 * dim * offsets.Length);
        var count = probes * perProbe;
        var x = Batch.New(dim, count);
        for (var j = 0; j < probes; j++)
        {
            var traj = set.Trajectories[(int)((long)j * set.Count / probes)];
            var c = j * perProbe;
            for (var col = c; col < c + perProbe; col++)
            {
                for (var i = 0; i < dim; i++)
                {
                    x[i][col] = traj.States[i][0];
                }
            }

            var next = c + 1;
            foreach (var d in offsets)
            {
                for (var k = 0; k < dim; k++)
                {
                    var step = d * Math.Max(1, Math.Abs(traj.States[k][0]));
                    x[k][next++] += step;
                    x[k][next++] -= step;
                }
            }
        }

        var g = Batch.New(dim, count);
        field.Gradient(x, g);
        double noise = 0;
        for (var j = 0; j < probes; j++)
        {
            var c = j * perProbe;
            for (var pair = 0; pair < dim * offsets.Length; pair++)
            {
                var plus = c + 1 + (2 * pair);
                for (var i = 0; i < dim; i++)
                {
                    var second = Math.Abs(g[i][plus] - (2 * g[i][c]) + g[i][plus + 1]) / 2;
                    noise = double.IsNaN(second) ? double.PositiveInfinity : Math.Max(noise, second);
                }
            }
        }

        return noise;
    }

    /// <summary>rtol = atol for rolling <paramref name="field"/> along <paramref name="set"/>: max(<paramref name="floor"/>, <see cref="NoiseFactor"/> × <see cref="GradientNoise"/>).</summary>
    public static double ToleranceFor(HamiltonianField field, TrajectorySet set, double floor = DefaultTolerance)
    {
        var noise = GradientNoise(field, set);
        return double.IsFinite(noise) ? Math.Max(floor, NoiseFactor * noise) : floor;
    }

    /// <summary>As <see cref="Solve"/>, only the error.</summary>
    /// <exception cref="ArgumentException">The field's d differs from the set's.</exception>
    /// <exception cref="InvalidOperationException">DOP853 failed (the learned field blew up, or more than the allowed steps); the message says where.</exception>
    public static TrajectoryRolloutError Measure(HamiltonianField field, TrajectorySet set, double tolerance = DefaultTolerance, CancellationToken ct = default) =>
        Solve(field, set, tolerance, ct).Error;

    /// <summary>
    /// Integrates every trajectory of <paramref name="set"/> from its first observed state to its own observation times
    /// (rtol = atol = <paramref name="tolerance"/>; at most <see cref="BaseSteps"/> + <see cref="StepsPerObservation"/> ×
    /// observations attempted steps per group) and compares with the observations.
    /// </summary>
    /// <exception cref="ArgumentException">The field's d differs from the set's.</exception>
    /// <exception cref="InvalidOperationException">DOP853 failed (the learned field blew up, or more than the allowed steps); the message says where.</exception>
    public static TrajectoryRollouts Solve(HamiltonianField field, TrajectorySet set, double tolerance = DefaultTolerance, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(field);
        ArgumentNullException.ThrowIfNull(set);
        CheckDof(field, set);
        return SolveGroups(set, tolerance, (x0, times) =>
        {
            var maxSteps = (int)Math.Min(int.MaxValue, BaseSteps + ((long)StepsPerObservation * times.Length));
            return Rollouts.Reference(field, x0, times, new ReferenceSettings(tolerance, tolerance, maxSteps), ct);
        });
    }

    /// <summary>
    /// Rolls every trajectory of <paramref name="set"/> out with one step of <paramref name="rule"/> per observation
    /// interval, h_n = t_(n+1) - t_n (uneven steps too): the one-step map that a fit's rows encode (docs/ALGORITHM.md §6.3b).
    /// The function a <c>midpoint</c> fit learns is the implicit midpoint rule's modified Hamiltonian, so that rule at the
    /// observation steps reproduces the observed flow map, where DOP853 on it carries the rule's O(h^2) error. The
    /// implicit steps iterate to <paramref name="fixedPoint"/> (its stall tolerance above the field's gradient noise).
    /// </summary>
    /// <exception cref="ArgumentException">The field's d differs from the set's.</exception>
    /// <exception cref="InvalidOperationException">A fixed-point iteration did not converge, or a state became non-finite; the message says where.</exception>
    public static TrajectoryRollouts SolveStepwise(HamiltonianField field, TrajectorySet set, ObservationRule rule, FixedPointSettings fixedPoint, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(field);
        ArgumentNullException.ThrowIfNull(set);
        ArgumentNullException.ThrowIfNull(fixedPoint);
        CheckDof(field, set);
        fixedPoint.Validate();
        return SolveGroups(set, fixedPoint.StallTolerance, (x0, times) =>
        {
            var count = x0[0].Length;
            Stepper stepper = rule switch
            {
                ObservationRule.ImplicitMidpoint => Stepper.Create(Integrator.ImplicitMidpoint, field, count, fixedPoint),
                ObservationRule.SymplecticEulerQ => new SymplecticEulerQStepper(field, count, fixedPoint),
                _ => throw new ArgumentOutOfRangeException(nameof(rule), rule, "not a one-step observation rule"),
            };
            var x = Batch.Copy(x0);
            var states = new double[times.Length][][];
            states[0] = Batch.Copy(x);
            for (var n = 1; n < times.Length; n++)
            {
                ct.ThrowIfCancellationRequested();
                var h = times[n] - times[n - 1];
                stepper.Step(x, h, n);
                foreach (var row in x)
                {
                    foreach (var v in row)
                    {
                        if (!double.IsFinite(v))
                        {
                            throw new InvalidOperationException($"the {RuleName(rule)} rollout became non-finite at observation {n} (t = {times[n].ToString("R", CultureInfo.InvariantCulture)})");
                        }
                    }
                }

                states[n] = Batch.Copy(x);
            }

            return new Trajectory(times, states);
        });
    }

    /// <summary>The config name of <paramref name="rule"/>: implicit-midpoint or symplectic-euler-q.</summary>
    public static string RuleName(ObservationRule rule) => rule switch
    {
        ObservationRule.ImplicitMidpoint => "implicit-midpoint",
        ObservationRule.SymplecticEulerQ => "symplectic-euler-q",
        _ => throw new ArgumentOutOfRangeException(nameof(rule), rule, null),
    };

    /// <summary>
    /// Groups the trajectories by their times relative to their first, integrates each group once with
    /// <paramref name="integrate"/> (x0 batch, relative times -> rollout) and compares with the observations.
    /// </summary>
    private static TrajectoryRollouts SolveGroups(TrajectorySet set, double tolerance, Func<double[][], double[], Trajectory> integrate)
    {
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
        var solvedGroups = new List<RolloutGroup>(order.Count);
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

            var solved = integrate(x0, times);
            solvedGroups.Add(new RolloutGroup([.. members], solved));
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

        return new TrajectoryRollouts(new TrajectoryRolloutError(Math.Sqrt(num / den), max, set.Count, count), solvedGroups, tolerance);
    }

    private static void CheckDof(HamiltonianField field, TrajectorySet set)
    {
        if (field.Dof != set.Dof)
        {
            throw new ArgumentException($"the field has {field.Dof} degree(s) of freedom, the trajectories {set.Dof}", nameof(field));
        }
    }
}
