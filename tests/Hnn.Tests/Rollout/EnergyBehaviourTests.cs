using Hnn.Stages.Rollout;
using Xunit;
using Xunit.Abstractions;
using static Hnn.Tests.Rollout.RolloutTestSupport;

namespace Hnn.Tests.Rollout;

/// <summary>
/// The "Euler drifts" picture on mass-spring H = p^2/2 + (q - 1)^2/2 from (1.5, 0) (H = 1/8), 2000 steps of h = 1e-2:
/// the symplectic methods keep the energy error bounded (they conserve a modified energy h-close, resp. h^2-close, to
/// H), forward Euler multiplies H by exactly 1 + h^2 per step.
/// </summary>
public sealed class EnergyBehaviourTests(ITestOutputHelper output)
{
    private const double H = 1e-2;
    private const int Steps = 2000;

    private static Trajectory Run(Integrator integrator) =>
        Rollouts.Integrate(Exact("mass-spring"), InitialConditions.FromStates([[1.5, 0.0]]), H, Steps, integrator);

    [Theory]
    [InlineData(Integrator.SymplecticEuler, 1)]
    [InlineData(Integrator.Verlet, 2)]
    [InlineData(Integrator.ImplicitMidpoint, 2)]
    public void Symplectic_methods_keep_the_energy_error_bounded(Integrator integrator, int order)
    {
        var drift = RolloutDiagnostics.EnergyDrift(Exact("mass-spring"), Run(integrator));
        var relative = drift.Relative[0];
        var firstHalf = relative.Take(Steps / 2 + 1).Max();
        var secondHalf = relative.Skip(Steps / 2).Max();
        output.WriteLine($"{integrator.ToName()}: max relative drift {firstHalf:e3} (t <= 10), {secondHalf:e3} (10 <= t <= 20)");

        // Symplectic Euler conserves H - h p (q - 1) / 2 exactly here, so |H_n - H_0| / H_0 <= h (measured 5.0e-3);
        // Verlet conserves p^2/2 + (1 - h^2/4)(q - 1)^2/2, drift <= h^2/4 (measured 2.5e-5); the midpoint rule conserves H
        // exactly for a quadratic H (measured ~1e-15).
        Assert.True(firstHalf <= Math.Pow(H, order) * 1.01, $"drift {firstHalf:e3} above h^{order}");

        // Bounded: no secular growth from the first ten time units to the next ten.
        Assert.True(secondHalf <= (firstHalf * 1.01) + 1e-14, $"drift grew from {firstHalf:e3} to {secondHalf:e3}");
    }

    [Fact]
    public void Forward_Euler_energy_grows_monotonically_by_one_plus_h_squared_per_step()
    {
        var field = Exact("mass-spring");
        var trajectory = Run(Integrator.Euler);
        var energy = trajectory.States.Select(x => field.Energy(x)[0]).ToArray();
        for (var n = 1; n <= Steps; n++)
        {
            Assert.True(energy[n] > energy[n - 1], $"H fell at step {n}: {energy[n - 1]:r} -> {energy[n]:r}");
        }

        // For a harmonic oscillator one Euler step maps H to (1 + h^2) H exactly: H_2000 / H_0 = 1.0001^2000 = 1.2214...
        var growth = energy[^1] / energy[0];
        output.WriteLine($"forward Euler H_2000 / H_0 = {growth:r}");
        Assert.Equal(Math.Pow(1 + (H * H), Steps), growth, 1e-9);
    }
}
