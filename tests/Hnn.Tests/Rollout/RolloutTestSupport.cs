using Hnn.Datasets;
using Hnn.Stages.Rollout;

namespace Hnn.Tests.Rollout;

internal static class RolloutTestSupport
{
    /// <summary>The fixed-step integrators with their classical orders.</summary>
    public static readonly (Integrator Integrator, int Order)[] FixedStep =
    [
        (Integrator.Euler, 1),
        (Integrator.SymplecticEuler, 1),
        (Integrator.Verlet, 2),
        (Integrator.ImplicitMidpoint, 2),
        (Integrator.Rk4, 4),
    ];

    public static HamiltonianField Exact(string system) => HamiltonianField.Exact(SystemRegistry.Create(system));

    /// <summary>Largest Euclidean distance over the M states of two batches.</summary>
    public static double MaxDistance(double[][] a, double[][] b)
    {
        var worst = 0.0;
        for (var m = 0; m < a[0].Length; m++)
        {
            double s = 0;
            for (var i = 0; i < a.Length; i++)
            {
                s += (a[i][m] - b[i][m]) * (a[i][m] - b[i][m]);
            }

            worst = Math.Max(worst, Math.Sqrt(s));
        }

        return worst;
    }

    /// <summary>Largest |a - b| over all entries of all saved batches.</summary>
    public static double MaxAbsDifference(Trajectory a, Trajectory b)
    {
        var worst = 0.0;
        for (var k = 0; k < a.Length; k++)
        {
            for (var i = 0; i < a.Dim; i++)
            {
                for (var m = 0; m < a.Count; m++)
                {
                    worst = Math.Max(worst, Math.Abs(a.States[k][i][m] - b.States[k][i][m]));
                }
            }
        }

        return worst;
    }

    /// <summary>
    /// Global errors at t_end of <paramref name="integrator"/> for dt = dt0, dt0/2, ... (levels values) against
    /// <paramref name="reference"/> (the state at t_end), and the observed orders log2(e(h) / e(h/2)).
    /// </summary>
    public static (double[] Errors, double[] Orders) ObservedOrders(
        HamiltonianField field, double[][] x0, double tEnd, double dt0, int levels, Integrator integrator, double[][] reference)
    {
        var errors = new double[levels];
        for (var l = 0; l < levels; l++)
        {
            var dt = dt0 / (1 << l);
            var steps = (int)Math.Round(tEnd / dt);
            var trajectory = Rollouts.Integrate(field, x0, dt, steps, integrator, saveEvery: steps);
            errors[l] = MaxDistance(trajectory.Last, reference);
        }

        var orders = new double[levels - 1];
        for (var l = 0; l + 1 < levels; l++)
        {
            orders[l] = Math.Log2(errors[l] / errors[l + 1]);
        }

        return (errors, orders);
    }
}
