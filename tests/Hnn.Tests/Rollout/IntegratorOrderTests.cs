using Hnn.Stages.Rollout;
using Xunit;
using Xunit.Abstractions;
using static Hnn.Tests.Rollout.RolloutTestSupport;

namespace Hnn.Tests.Rollout;

/// <summary>
/// Convergence orders of the fixed-step integrators: the global error at t_end = 1 against the DOP853 reference
/// (rtol = atol = 1e-12) on dt = 0.1, 0.05, 0.025 must fall by 2^p, p = 1, 1, 2, 2, 4 for Euler, symplectic Euler,
/// Verlet, implicit midpoint and RK4 (observed order within 0.3 of p). The double pendulum is not separable, so
/// symplectic Euler, Verlet and implicit midpoint there run their fixed-point solves for real.
/// </summary>
public sealed class IntegratorOrderTests(ITestOutputHelper output)
{
    private const double TEnd = 1.0, Dt0 = 0.1;
    private const int Levels = 3;

    public static TheoryData<string, Integrator, int> Cases()
    {
        var data = new TheoryData<string, Integrator, int>();
        foreach (var system in new[] { "single-pendulum", "double-pendulum" })
        {
            foreach (var (integrator, order) in FixedStep)
            {
                data.Add(system, integrator, order);
            }
        }

        return data;
    }

    private static double[][] InitialStates(string system) => system switch
    {
        "single-pendulum" => InitialConditions.FromStates([[1.0, 0.5], [-2.0, 0.3], [0.3, -1.0]]),
        "double-pendulum" => InitialConditions.FromStates([[0.5, -0.3, 0.2, 0.1], [1.0, 0.5, -0.3, 0.4]]),
        _ => throw new ArgumentOutOfRangeException(nameof(system), system, null),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Observed_order_matches_the_classical_order(string system, Integrator integrator, int order)
    {
        var field = Exact(system);
        var x0 = InitialStates(system);
        var reference = Rollouts.Reference(field, x0, [TEnd]).Last;
        var (errors, orders) = ObservedOrders(field, x0, TEnd, Dt0, Levels, integrator, reference);
        output.WriteLine($"{system} {integrator.ToName()}: errors {string.Join(", ", errors.Select(e => e.ToString("e3")))}; orders {string.Join(", ", orders.Select(o => o.ToString("f3")))}");

        Assert.Equal(order, integrator.Order());
        foreach (var observed in orders)
        {
            Assert.InRange(observed, order - 0.3, order + 0.3);
        }
    }
}
