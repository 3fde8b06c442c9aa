using Hnn.Datasets;
using Hnn.Stages.Rollout;
using Xunit;
using Xunit.Abstractions;

namespace Hnn.Tests.Rollout;

/// <summary>
/// The held-out trajectories' rollout by the rows' own one-step rule (<see cref="TrajectoryRollout.SolveStepwise"/>,
/// model.rollout_integrator: scheme). A midpoint fit learns the implicit midpoint rule's modified Hamiltonian; for the
/// harmonic oscillator it is known in closed form (docs/ALGORITHM.md §6.3): the rule with step h on H = w (q^2 + p^2) / 2
/// rotates by 2 atan(w h / 2), so the exact flow (rotation by h, w = 1) is reproduced by the oscillator of frequency
/// w~ = (2 / h) tan(h / 2), H~ = w~ H. Rolled out by the rule at the observation steps that H~ gives the observations to
/// rounding; by DOP853 it carries the phase error (w~ - 1) t.
/// </summary>
public sealed class TrajectoryRolloutStepwiseTests(ITestOutputHelper output)
{
    private static readonly Domain Box = new([new Interval(0.2, 1.8)], [new Interval(-0.8, 0.8)]);

    /// <summary>Noise-free observations of the unit oscillator about q = 1 (mass-spring k = m = 1), every h for 40 steps, from 6 states.</summary>
    private static TrajectorySet Observed(double h) =>
        TrajectoryGenerator.Generate(new MassSpring(), Box, new TrajectorySettings(6, h, 40, Seed: 7));

    /// <summary>H~ = c H with c = (2 / h) tan(h / 2): the mass-spring with k = c, m = 1 / c (frequency sqrt(k / m) = c).</summary>
    private static HamiltonianField Modified(double h)
    {
        var c = 2 / h * Math.Tan(h / 2);
        return HamiltonianField.Exact(new MassSpring(c, 1 / c));
    }

    [Fact]
    public void The_midpoint_rule_on_the_modified_oscillator_reproduces_the_exact_flow()
    {
        const double h = 0.25;
        var set = Observed(h);
        var stepwise = TrajectoryRollout.SolveStepwise(Modified(h), set, ObservationRule.ImplicitMidpoint, FixedPointSettings.Default);
        var dop853 = TrajectoryRollout.Solve(Modified(h), set);
        output.WriteLine($"h = {h}: stepwise {stepwise.Error.RelativeError:e3}, DOP853 on the same H~ {dop853.Error.RelativeError:e3}");

        // The observations are DOP853 at 1e-13 (TrajectoryGenerator) and the rule's fixed point iterates to 1e-14 over 40
        // steps: measured 2.2e-14; bound 1e-11. DOP853 on H~ has the phase error (w~ - 1) t = 5.2e-3 x t, up to 5.2e-2 at
        // t = 10 (relative to states of size ~1: measured 1.6e-2); bound 5e-3 below.
        Assert.InRange(stepwise.Error.RelativeError, 0, 1e-11);
        Assert.InRange(dop853.Error.RelativeError, 5e-3, 1);
        Assert.Equal(set.Count, stepwise.Error.Trajectories);
        Assert.Equal(40L * set.Count, stepwise.Error.Observations);
    }

    [Fact]
    public void Uneven_steps_take_each_observation_interval_as_one_step()
    {
        // The true oscillator (not H~) stepped by the rule over uneven intervals: each step rotates by 2 atan(h_n / 2), so
        // the state after the steps is the exact rotation by sum 2 atan(h_n / 2) — the closed form checked here.
        double[] times = [0, 0.1, 0.35, 0.45, 0.9, 1.0, 1.6];
        var q0 = 1.5;
        var p0 = 0.25;
        var states = new double[2][] { new double[times.Length], new double[times.Length] };
        for (var n = 0; n < times.Length; n++)
        {
            // Observations of the exact flow (their values do not matter for the rollout, only t and the first state).
            states[0][n] = 1 + ((q0 - 1) * Math.Cos(times[n])) + (p0 * Math.Sin(times[n]));
            states[1][n] = (-(q0 - 1) * Math.Sin(times[n])) + (p0 * Math.Cos(times[n]));
        }

        var set = new TrajectorySet([new TrajectorySeries("a", times, states)]);
        var solved = TrajectoryRollout.SolveStepwise(HamiltonianField.Exact(new MassSpring()), set, ObservationRule.ImplicitMidpoint, FixedPointSettings.Default);
        double angle = 0;
        for (var n = 1; n < times.Length; n++)
        {
            angle += 2 * Math.Atan((times[n] - times[n - 1]) / 2);
            var q = 1 + ((q0 - 1) * Math.Cos(angle)) + (p0 * Math.Sin(angle));
            var p = (-(q0 - 1) * Math.Sin(angle)) + (p0 * Math.Cos(angle));
            Assert.Equal(q, solved.Groups[0].Solved.States[n][0][0], 1e-13);
            Assert.Equal(p, solved.Groups[0].Solved.States[n][1][0], 1e-13);
        }
    }

    [Fact]
    public void The_finite_difference_rule_steps_at_the_new_position_and_the_old_momentum()
    {
        // For H = p^2/2 + V(q) the rule x_(n+1) = x_n + h J grad H(q_(n+1), p_n) is explicit: q_(n+1) = q_n + h p_n,
        // p_(n+1) = p_n - h V'(q_(n+1)). The pendulum (V = 1 - cos q) stepped by hand against the fixed-point stepper.
        const double h = 0.2;
        double[] times = [.. Enumerable.Range(0, 11).Select(n => n * h)];
        var states = new double[2][] { new double[times.Length], new double[times.Length] };
        states[0][0] = 1.0;
        states[1][0] = -0.3;
        var set = new TrajectorySet([new TrajectorySeries("a", times, states)]);
        var solved = TrajectoryRollout.SolveStepwise(HamiltonianField.Exact(new SinglePendulum()), set, ObservationRule.SymplecticEulerQ, FixedPointSettings.Default);
        double q = 1.0, p = -0.3;
        for (var n = 1; n < times.Length; n++)
        {
            q += h * p;
            p -= h * Math.Sin(q);

            // The fixed point in q converges to 1e-14 relative in a few iterations (the map Q -> q_n + h p_n is constant here).
            Assert.Equal(q, solved.Groups[0].Solved.States[n][0][0], 1e-13);
            Assert.Equal(p, solved.Groups[0].Solved.States[n][1][0], 1e-13);
        }
    }

    [Fact]
    public void A_field_that_blows_up_is_a_failure_with_the_observation()
    {
        // H = p^2/2 - q^4 (a force growing like q^3) from q = 10 with h = 1: h/2 times the field's Lipschitz constant is ~600,
        // so the midpoint iteration diverges; the error is an
        // InvalidOperationException (the pipeline records its first line as the rollout's failure).
        double[] times = [0, 1, 2];
        var states = new double[2][] { [10, 0, 0], [0, 0, 0] };
        var set = new TrajectorySet([new TrajectorySeries("a", times, states)]);
        var ex = Assert.ThrowsAny<InvalidOperationException>(() =>
            TrajectoryRollout.SolveStepwise(new Quartic(), set, ObservationRule.ImplicitMidpoint, FixedPointSettings.Default));
        output.WriteLine(ex.Message);
        Assert.Contains("implicit-midpoint", ex.Message, StringComparison.Ordinal);
    }

    private sealed record Quartic : HamiltonianField
    {
        public override int Dof => 1;

        protected override void EnergyCore(double[][] x, int count, Span<double> h)
        {
            for (var m = 0; m < count; m++)
            {
                h[m] = (x[1][m] * x[1][m] / 2) - Math.Pow(x[0][m], 4);
            }
        }

        protected override void GradientCore(double[][] x, int count, double[][] grad)
        {
            for (var m = 0; m < count; m++)
            {
                grad[0][m] = -4 * Math.Pow(x[0][m], 3);
                grad[1][m] = x[1][m];
            }
        }
    }
}
