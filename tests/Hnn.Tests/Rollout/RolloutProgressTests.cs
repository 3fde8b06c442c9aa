using Hnn.Stages.Rollout;
using Xunit;
using static Hnn.Tests.Rollout.RolloutTestSupport;

namespace Hnn.Tests.Rollout;

public sealed class RolloutProgressTests
{
    /// <summary>Collects reports synchronously (Progress&lt;T&gt; would post them to the thread pool).</summary>
    private sealed class Recorder : IProgress<double>
    {
        public List<double> Values { get; } = [];

        public void Report(double value) => Values.Add(value);
    }

    [Theory]
    [InlineData(Integrator.SymplecticEuler)]
    [InlineData(Integrator.Rk4)]
    [InlineData(Integrator.Dop853)]
    public void Fixed_step_and_adaptive_rollouts_report_increasing_fractions_ending_at_one(Integrator integrator)
    {
        var progress = new Recorder();
        var x0 = InitialConditions.FromStates([[1.5, 0.0]]);
        var withProgress = Rollouts.Integrate(Exact("mass-spring"), x0, 0.01, 200, integrator, saveEvery: 10, progress: progress);
        var without = Rollouts.Integrate(Exact("mass-spring"), x0, 0.01, 200, integrator, saveEvery: 10);

        Assert.Equal(21 - (integrator == Integrator.Dop853 ? 0 : 1), progress.Values.Count); // each saved state (DOP853: t = 0 too)
        Assert.Equal(1.0, progress.Values[^1]);
        Assert.True(progress.Values.Zip(progress.Values.Skip(1)).All(p => p.First < p.Second), string.Join(", ", progress.Values));
        Assert.Equal(without.States[^1][0], withProgress.States[^1][0]); // reporting changes nothing
    }

    [Fact]
    public void The_reference_rollout_reports_progress()
    {
        var progress = new Recorder();
        Rollouts.Reference(Exact("mass-spring"), InitialConditions.FromStates([[1.5, 0.0]]), [0.0, 1.0, 2.0, 4.0], 1e-10, progress: progress);
        Assert.Equal([0.0, 0.25, 0.5, 1.0], progress.Values);
    }
}
