using Hnn.Stages.Rollout;
using Xunit;
using static Hnn.Tests.Rollout.RolloutTestSupport;

namespace Hnn.Tests.Rollout;

/// <summary>The fixed-point solves of the implicit integrators: exact for separable H, clear errors when they fail.</summary>
public sealed class FixedPointTests
{
    /// <summary>A separable H = p^2/2 + V(q), V = 1 - cos q, that counts its gradient evaluations.</summary>
    private sealed record CountingPendulum(int[] Calls) : HamiltonianField
    {
        public override int Dof => 1;

        protected override void EnergyCore(double[][] x, int count, Span<double> h)
        {
            for (var m = 0; m < count; m++)
            {
                h[m] = (x[1][m] * x[1][m] / 2) + 1 - Math.Cos(x[0][m]);
            }
        }

        protected override void GradientCore(double[][] x, int count, double[][] grad)
        {
            Calls[0]++;
            for (var m = 0; m < count; m++)
            {
                grad[0][m] = Math.Sin(x[0][m]);
                grad[1][m] = x[1][m];
            }
        }
    }

    [Fact]
    public void Separable_H_converges_at_once_and_matches_the_explicit_formulas()
    {
        var field = new CountingPendulum([0]);
        double q = 1.0, p = 0.5, h = 0.1;
        var x0 = InitialConditions.FromStates([[q, p]]);

        // Symplectic Euler: p' = p - h sin q, q' = q + h p'. Two evaluations per step: one solves, one confirms.
        var se = Rollouts.Integrate(field, x0, h, 1, Integrator.SymplecticEuler);
        Assert.Equal(2, field.Calls[0]);
        var pSe = p - (h * Math.Sin(q));
        Assert.Equal(pSe, se.Last[1][0], 15);
        Assert.Equal(q + (h * pSe), se.Last[0][0], 15);

        // Leapfrog (kick-drift-kick): three evaluations (solve + confirm the half kick, confirm the drift).
        field.Calls[0] = 0;
        var sv = Rollouts.Integrate(field, x0, h, 1, Integrator.Verlet);
        Assert.Equal(3, field.Calls[0]);
        var pHalf = p - (h / 2 * Math.Sin(q));
        var qNew = q + (h * pHalf);
        Assert.Equal(qNew, sv.Last[0][0], 15);
        Assert.Equal(pHalf - (h / 2 * Math.Sin(qNew)), sv.Last[1][0], 15);
    }

    [Fact]
    public void Implicit_midpoint_that_cannot_converge_names_integrator_step_dt_and_residual()
    {
        // x' = J grad H is a rotation of rate 1; the iteration Y = x + h/2 f(Y) contracts only for h/2 < 1.
        var field = Exact("mass-spring");
        var x0 = InitialConditions.FromStates([[1.5, 0.0]]);
        var e = Assert.Throws<FixedPointNotConvergedException>(() => Rollouts.Integrate(field, x0, 2.5, 10, Integrator.ImplicitMidpoint));
        Assert.Equal("implicit-midpoint", e.Integrator);
        Assert.Equal(1, e.Step);
        Assert.Equal(2.5, e.Dt);
        Assert.Contains("implicit-midpoint", e.Message);
        Assert.Contains("step 1", e.Message);
        Assert.Contains("dt = 2.5", e.Message);
        Assert.Contains("smaller dt", e.Message);
        Assert.True(!double.IsFinite(e.Residual) || e.Residual > 1e-14);
    }

    [Theory]
    [InlineData(Integrator.SymplecticEuler)]
    [InlineData(Integrator.Verlet)]
    [InlineData(Integrator.ImplicitMidpoint)]
    public void Too_few_iterations_on_a_non_separable_H_fail_clearly(Integrator integrator)
    {
        var field = Exact("double-pendulum");
        var x0 = InitialConditions.FromStates([[0.5, -0.3, 0.2, 0.1]]);
        var e = Assert.Throws<FixedPointNotConvergedException>(
            () => Rollouts.Integrate(field, x0, 0.1, 5, integrator, fixedPoint: new FixedPointSettings(MaxIterations: 2)));
        Assert.Equal(integrator.ToName(), e.Integrator);
        Assert.Contains("did not converge in 2 iterations", e.Message);
        Assert.Contains("use a smaller dt", e.Message);
        Assert.True(e.Residual > 1e-14);
    }

    /// <summary>
    /// H = (q^2 + p^2)/2 whose gradient carries deterministic noise of relative size 1e-9 (a function of the bits of
    /// the state): an exaggerated learned network, whose large cancelling output weights leave ~1e-12 of noise.
    /// </summary>
    private sealed record NoisyOscillator : HamiltonianField
    {
        public override int Dof => 1;

        private static double Noise(double v) =>
            1e-9 * ((unchecked((ulong)BitConverter.DoubleToInt64Bits(v) * 0x9E3779B97F4A7C15UL) >> 40) / (double)(1UL << 24) - 0.5);

        protected override void EnergyCore(double[][] x, int count, Span<double> h)
        {
            for (var m = 0; m < count; m++)
            {
                h[m] = ((x[0][m] * x[0][m]) + (x[1][m] * x[1][m])) / 2;
            }
        }

        protected override void GradientCore(double[][] x, int count, double[][] grad)
        {
            for (var m = 0; m < count; m++)
            {
                grad[0][m] = x[0][m] * (1 + Noise(x[1][m]));
                grad[1][m] = x[1][m] * (1 + Noise(x[0][m]));
            }
        }
    }

    [Fact]
    public void Iterations_stalled_at_the_noise_level_of_the_field_are_accepted()
    {
        var field = new NoisyOscillator();
        var x0 = InitialConditions.FromStates([[1.5, 0.3], [-0.7, 1.1]]);

        // Without the stall clause (StallTolerance = Tolerance) the noisy map never moves by less than 1e-14 ...
        var strict = new FixedPointSettings(1e-14, 100, 1e-14);
        var e = Assert.Throws<FixedPointNotConvergedException>(() => Rollouts.Integrate(field, x0, 0.1, 20, Integrator.ImplicitMidpoint, fixedPoint: strict));
        Assert.InRange(e.Residual, 1e-14, 1e-10);

        // ... with the default it stops at the noise floor, and the result is the noise-free one to the noise level.
        var noisy = Rollouts.Integrate(field, x0, 0.1, 20, Integrator.ImplicitMidpoint);
        var clean = Rollouts.Integrate(Exact("mass-spring"), InitialConditions.FromStates([[2.5, 0.3], [0.3, 1.1]]), 0.1, 20, Integrator.ImplicitMidpoint);
        for (var m = 0; m < 2; m++)
        {
            Assert.Equal(clean.Last[0][m] - 1, noisy.Last[0][m], 1e-8);
            Assert.Equal(clean.Last[1][m], noisy.Last[1][m], 1e-8);
        }
    }

    [Fact]
    public void Fixed_point_settings_are_validated()
    {
        var field = Exact("mass-spring");
        var x0 = InitialConditions.FromStates([[1.5, 0.0]]);
        Assert.Throws<ArgumentOutOfRangeException>(() => Rollouts.Integrate(field, x0, 0.1, 1, Integrator.Verlet, fixedPoint: new FixedPointSettings(0)));
        Assert.Throws<ArgumentOutOfRangeException>(() => Rollouts.Integrate(field, x0, 0.1, 1, Integrator.Verlet, fixedPoint: new FixedPointSettings(1e-14, 0)));
        Assert.Throws<ArgumentOutOfRangeException>(() => Rollouts.Integrate(field, x0, 0.1, 1, Integrator.Verlet, fixedPoint: new FixedPointSettings(1e-12, 10, 1e-13)));
    }
}
