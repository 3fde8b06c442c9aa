using Hnn.Stages.Rollout;
using Xunit;
using Xunit.Abstractions;
using static Hnn.Tests.Rollout.RolloutTestSupport;

namespace Hnn.Tests.Rollout;

/// <summary>The DOP853 reference (rtol = atol = 1e-12) against closed forms and invariants.</summary>
public sealed class ReferenceIntegratorTests(ITestOutputHelper output)
{
    /// <summary>Mass-spring H = p^2/2 + (q - 1)^2/2: q(t) = 1 + (q0 - 1) cos t + p0 sin t, p(t) = -(q0 - 1) sin t + p0 cos t.</summary>
    private static (double Q, double P) MassSpringExact(double q0, double p0, double t) =>
        (1 + ((q0 - 1) * Math.Cos(t)) + (p0 * Math.Sin(t)), (-(q0 - 1) * Math.Sin(t)) + (p0 * Math.Cos(t)));

    [Fact]
    public void Dop853_matches_the_exact_mass_spring_solution_over_t_20()
    {
        var field = Exact("mass-spring");
        double[][] starts = [[1.5, 0.0], [-3.0, 2.0], [1.0, -4.5], [4.0, 4.0]];
        var x0 = InitialConditions.FromStates(starts);
        var times = Enumerable.Range(0, 81).Select(k => 0.25 * k).ToArray(); // 0, 0.25, ..., 20
        var trajectory = Rollouts.Reference(field, x0, times);

        var worst = 0.0;
        for (var k = 0; k < times.Length; k++)
        {
            for (var m = 0; m < starts.Length; m++)
            {
                var (q, p) = MassSpringExact(starts[m][0], starts[m][1], times[k]);
                worst = Math.Max(worst, Math.Max(Math.Abs(trajectory.States[k][0][m] - q), Math.Abs(trajectory.States[k][1][m] - p)));
            }
        }

        // Measured: 5.7e-12 (amplitudes up to 5.7, about three periods; local tolerance 1e-12 per step).
        output.WriteLine($"max |x - x_exact| over t in [0, 20]: {worst:e3}");
        Assert.True(worst < 1e-10, $"DOP853 deviates {worst:e3} from the closed form");
        Assert.Equal(times, trajectory.Times);
    }

    [Fact]
    public void Output_times_do_not_change_the_answer_beyond_the_tolerance()
    {
        // Stepping exactly onto many output times, or onto one only, gives the same state at t = 7.3.
        var field = Exact("henon-heiles");
        var x0 = InitialConditions.FromStates([[0.1, -0.2, 0.3, 0.25]]);
        var dense = Rollouts.Reference(field, x0, Enumerable.Range(1, 73).Select(k => 0.1 * k).Append(7.3000001).ToArray());
        var sparse = Rollouts.Reference(field, x0, [7.3000001]);
        var difference = MaxDistance(dense.Last, sparse.Last);
        output.WriteLine($"dense vs sparse output at t = 7.3: {difference:e3}");
        Assert.True(difference < 1e-10, $"difference {difference:e3}");
    }

    [Fact]
    public void Dop853_conserves_the_Henon_Heiles_energy()
    {
        var field = Exact("henon-heiles");
        var x0 = InitialConditions.FromStates([[0.0, 0.1, 0.35, 0.1], [0.0, -0.2, 0.3, -0.05], [0.1, 0.0, 0.2, 0.3]]);
        var trajectory = Rollouts.Reference(field, x0, Enumerable.Range(1, 100).Select(k => 1.0 * k).ToArray());
        var drift = RolloutDiagnostics.EnergyDrift(field, trajectory);
        output.WriteLine($"max relative energy drift over t in [0, 100]: {drift.MaxRelativeOverall:e3}");
        Assert.True(drift.MaxRelativeOverall < 1e-10, $"drift {drift.MaxRelativeOverall:e3}");
    }

    [Fact]
    public void A_time_zero_returns_the_initial_state_and_tolerance_overload_is_rtol_atol()
    {
        var field = Exact("single-pendulum");
        var x0 = InitialConditions.FromStates([[1.0, 0.5]]);
        var trajectory = Rollouts.Reference(field, x0, [0.0, 1.0], 1e-6);
        Assert.Equal(1.0, trajectory.States[0][0][0]);
        Assert.Equal(0.5, trajectory.States[0][1][0]);
        var tight = Rollouts.Reference(field, x0, [0.0, 1.0]);
        var loose = MaxDistance(trajectory.Last, tight.Last);
        output.WriteLine($"rtol = atol = 1e-6 vs 1e-12 at t = 1: {loose:e3}");
        Assert.True(loose < 1e-5 && loose > 0);
    }

    [Fact]
    public void Bad_times_and_settings_are_rejected_with_clear_messages()
    {
        var field = Exact("single-pendulum");
        var x0 = InitialConditions.FromStates([[1.0, 0.5]]);
        Assert.Contains("strictly increasing", Assert.Throws<ArgumentException>(() => Rollouts.Reference(field, x0, [1.0, 1.0])).Message);
        Assert.Contains(">= 0", Assert.Throws<ArgumentException>(() => Rollouts.Reference(field, x0, [-1.0])).Message);
        Assert.Contains("empty", Assert.Throws<ArgumentException>(() => Rollouts.Reference(field, x0, [])).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Rollouts.Reference(field, x0, [1.0], new ReferenceSettings(RelativeTolerance: 0)));
        var tooFew = Assert.Throws<InvalidOperationException>(() => Rollouts.Reference(field, x0, [100.0], new ReferenceSettings(MaxSteps: 5)));
        Assert.Contains("more than 5 steps", tooFew.Message);
    }

    [Fact]
    public void Integrate_with_dop853_gives_the_reference_at_the_save_times()
    {
        var field = Exact("double-pendulum");
        var x0 = InitialConditions.FromStates([[0.5, -0.3, 0.2, 0.1]]);
        var integrated = Rollouts.Integrate(field, x0, 0.05, 40, Integrator.Dop853, saveEvery: 8);
        Assert.Equal([0.0, 0.4, 0.8, 1.2000000000000002, 1.6, 2.0], integrated.Times);
        var reference = Rollouts.Reference(field, x0, integrated.Times);
        Assert.Equal(0.0, MaxAbsDifference(integrated, reference));
    }
}
