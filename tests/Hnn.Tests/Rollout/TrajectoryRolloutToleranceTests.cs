using Hnn.Datasets;
using Hnn.Stages.Rollout;
using Xunit;
using Xunit.Abstractions;

namespace Hnn.Tests.Rollout;

/// <summary>
/// The held-out-trajectory rollouts' tolerance follows the field's gradient noise (a learned H of cancelling output
/// weights carries ~1e-8 of rounding noise; DOP853 at 1e-10 then collapsed its step and a Kepler example's rollout
/// stage ran > 9 min), and a rollout that still cannot keep up is stopped by a step cap with a message.
/// </summary>
public sealed class TrajectoryRolloutToleranceTests(ITestOutputHelper output)
{
    private static readonly Domain Pendulum = new([new Interval(-Math.PI, Math.PI)], [new Interval(-1, 1)]);

    /// <summary>The pendulum H = p^2/2 + 1 - cos q whose gradient carries deterministic absolute noise in [-0.5, 0.5) x 1e-8, a function of the state's bits.</summary>
    private sealed record NoisyPendulum : HamiltonianField
    {
        public const double Amplitude = 1e-8;

        public override int Dof => 1;

        private static double Noise(double a, double b) =>
            Amplitude * ((unchecked(((ulong)BitConverter.DoubleToInt64Bits(a) * 0x9E3779B97F4A7C15UL) ^ (ulong)BitConverter.DoubleToInt64Bits(b)) * 0xBF58476D1CE4E5B9UL >> 40) / (double)(1UL << 24) - 0.5);

        protected override void EnergyCore(double[][] x, int count, Span<double> h)
        {
            for (var m = 0; m < count; m++)
            {
                h[m] = (x[1][m] * x[1][m] / 2) + 1 - Math.Cos(x[0][m]);
            }
        }

        protected override void GradientCore(double[][] x, int count, double[][] grad)
        {
            for (var m = 0; m < count; m++)
            {
                grad[0][m] = Math.Sin(x[0][m]) + Noise(x[0][m], x[1][m]);
                grad[1][m] = x[1][m] + Noise(x[1][m], x[0][m]);
            }
        }
    }

    private static TrajectorySet Test() =>
        TrajectoryGenerator.Generate(new SinglePendulum(), Pendulum, new TrajectorySettings(40, 0.1, 20, Seed: 4)).Split(0, 10, 1).Test!;

    [Fact]
    public void An_exact_field_keeps_the_default_tolerance()
    {
        // The true pendulum's second differences are rounding of sin and identity only: measured 5.6e-17; bound 1e-14
        // (a hundred-fold margin that is still 1e4 below what would move the 1e-10 floor).
        var test = Test();
        var field = HamiltonianField.Exact(new SinglePendulum());
        var noise = TrajectoryRollout.GradientNoise(field, test);
        output.WriteLine($"exact pendulum: gradient noise {noise:e3}");
        Assert.InRange(noise, 0, 1e-14);
        Assert.Equal(TrajectoryRollout.DefaultTolerance, TrajectoryRollout.ToleranceFor(field, test));
    }

    [Fact]
    public void A_noisy_field_gets_a_tolerance_above_its_noise_and_finishes()
    {
        var test = Test();
        var field = new NoisyPendulum();
        var noise = TrajectoryRollout.GradientNoise(field, test);
        var tolerance = TrajectoryRollout.ToleranceFor(field, test);
        output.WriteLine($"noisy pendulum: gradient noise {noise:e3}, tolerance {tolerance:e3}");

        // Noise uniform in +-0.5e-8: half a second difference of three independent draws is at most 1e-8 and, over 8 probes
        // x 2 coordinates x 2 offsets x 2 components, its maximum is near that (measured 9.4e-9).
        Assert.InRange(noise, 2e-9, NoisyPendulum.Amplitude);
        Assert.Equal(TrajectoryRollout.NoiseFactor * noise, tolerance);

        // At the field's tolerance the rollout finishes and follows the noise-free observations to about the noise's
        // effect over t = 2 (measured 4.3e-9 relative). Far below the noise (1e-12: measured, the step shrinks to 7.5e-5 by
        // t = 0.22, where 1e-10 and 1e-11 still finish) the step cap (1000 + 100 x 21 observations) stops it with a message.
        var solved = TrajectoryRollout.Solve(field, test, tolerance);
        output.WriteLine($"at the field's tolerance: relative error {solved.Error.RelativeError:e3}");
        Assert.InRange(solved.Error.RelativeError, 0, 1e-6);
        var e = Assert.Throws<InvalidOperationException>(() => TrajectoryRollout.Solve(field, test, 1e-12));
        output.WriteLine(e.Message);
        Assert.StartsWith("dop853: more than 3100 steps", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Solve_integrates_each_trajectory_once_and_measure_is_its_error()
    {
        // The 10 test trajectories share their times (fixed dt), so one group of 10; its columns are the members' rollouts,
        // and Measure's error is Solve's, bit for bit.
        var test = Test();
        var field = HamiltonianField.Exact(new SinglePendulum());
        var solved = TrajectoryRollout.Solve(field, test);
        var group = Assert.Single(solved.Groups);
        Assert.Equal(Enumerable.Range(0, 10), group.Members);
        Assert.Equal(test.Trajectories[0].Length, group.Solved.Length);
        Assert.Equal(test.Trajectories[3].States[1][0], group.Solved.States[0][1][3]);
        Assert.Equal(solved.Error, TrajectoryRollout.Measure(field, test));
        Assert.True(solved.Error.RelativeError < 1e-9, $"{solved.Error.RelativeError}");
    }
}
