using Hnn.Stages.Rollout;
using Xunit;
using static Hnn.Tests.Rollout.RolloutTestSupport;

namespace Hnn.Tests.Rollout;

/// <summary>The rollout diagnostics on cases with known answers.</summary>
public sealed class DiagnosticsTests
{
    private static Trajectory Make(double[] times, params double[][][] states) => new(times, states);

    [Fact]
    public void State_error_is_the_euclidean_distance_with_max_and_rms_over_states()
    {
        // Two states, two times; state 0 off by (3, 4) at t = 1, state 1 off by (0, 1) at t = 1.
        var reference = Make([0.0, 1.0], [[0.0, 0.0], [0.0, 0.0]], [[1.0, 1.0], [1.0, 1.0]]);
        var actual = Make([0.0, 1.0], [[0.0, 0.0], [0.0, 0.0]], [[4.0, 1.0], [5.0, 2.0]]);
        var error = RolloutDiagnostics.StateError(actual, reference);
        Assert.Equal([0.0, 5.0], error.PerState[0]);
        Assert.Equal([0.0, 1.0], error.PerState[1]);
        Assert.Equal([0.0, 5.0], error.Max);
        Assert.Equal(Math.Sqrt(13), error.Rms[1], 15);
        Assert.Equal(5.0, error.MaxOverall);

        Assert.Contains("different times", Assert.Throws<ArgumentException>(
            () => RolloutDiagnostics.StateError(actual, Make([0.0, 2.0], reference.States))).Message);
        Assert.Contains("differ in shape", Assert.Throws<ArgumentException>(
            () => RolloutDiagnostics.StateError(actual, Make([0.0], reference.States[0]))).Message);
    }

    [Fact]
    public void Energy_drift_is_absolute_and_relative_to_the_initial_energy()
    {
        // Mass-spring H = p^2/2 + (q - 1)^2/2: H = 0.125 at (1.5, 0), 0.5 at (2, 0); 0 at the equilibrium (1, 0).
        var trajectory = Make([0.0, 1.0], [[1.5, 1.0], [0.0, 0.0]], [[2.0, 1.0], [0.0, 0.5]]);
        var drift = RolloutDiagnostics.EnergyDrift(Exact("mass-spring"), trajectory);
        Assert.Equal([0.125, 0.0], drift.Initial);
        Assert.Equal([0.0, 0.375], drift.Absolute[0]);
        Assert.Equal([0.0, 3.0], drift.Relative[0]);
        Assert.Equal(0.125, drift.Absolute[1][1]);
        Assert.Equal(0.125 / RolloutDiagnostics.Tiny, drift.Relative[1][1]); // H(x_0) = 0: read the absolute drift
        Assert.Equal(0.375, drift.MaxAbsoluteOverall);
    }

    [Fact]
    public void Model_error_is_zero_for_the_truth_and_sees_offsets_and_gradient_errors()
    {
        var truth = Exact("mass-spring");
        var trajectory = Rollouts.Integrate(truth, InitialConditions.FromStates([[1.5, 0.0], [0.0, 1.0]]), 0.1, 20, Integrator.Rk4);
        var self = RolloutDiagnostics.ModelError(truth, truth, trajectory);
        Assert.Equal(0.0, self.EnergyL2);
        Assert.Equal(0.0, self.GradientL2);
        Assert.All(self.MaxGradientRelative, e => Assert.Equal(0.0, e));

        // The same system with a stiffer spring: H' - H = (q - 1)^2 / 2, grad error (q - 1, 0).
        var stiffer = HamiltonianField.Exact(new Hnn.Datasets.MassSpring(k: 2));
        var errors = RolloutDiagnostics.ModelError(stiffer, truth, trajectory);
        var x = trajectory.State(5, 0);
        var h = truth.Energy([[x[0]], [x[1]]])[0];
        var dq = x[0] - 1;
        Assert.Equal(dq * dq / 2 / h, errors.EnergyRelative[0][5], 12);
        Assert.Equal(Math.Abs(dq) / Math.Sqrt((dq * dq) + (x[1] * x[1])), errors.GradientRelative[0][5], 12);

        // An offset in H alone is removed by energyOffset.
        var shifted = RolloutDiagnostics.ModelError(new Shifted(truth, 3.0), truth, trajectory, energyOffset: 3.0);
        Assert.True(shifted.EnergyL2 < 1e-15);
        Assert.True(RolloutDiagnostics.ModelError(new Shifted(truth, 3.0), truth, trajectory).EnergyL2 > 1);
    }

    /// <summary>A field whose H is another's plus a constant (same gradient).</summary>
    private sealed record Shifted(HamiltonianField Inner, double Constant) : HamiltonianField
    {
        public override int Dof => Inner.Dof;

        protected override void EnergyCore(double[][] x, int count, Span<double> h)
        {
            Inner.Energy(x, h);
            foreach (ref var v in h)
            {
                v += Constant;
            }
        }

        protected override void GradientCore(double[][] x, int count, double[][] grad) => Inner.Gradient(x, grad);
    }
}
