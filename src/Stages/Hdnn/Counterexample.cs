namespace Hnn.Stages.Hdnn;

/// <summary>One point of the counterexample: the time t0 of the perturbation, Phi(T, t0) (row-major 2 x 2) and its 2-norm.</summary>
public sealed record CounterexamplePoint(double Time, double[] Phi, double Norm);

/// <summary>
/// The counterexample of Galimberti et al. (Appendix; DecodEPFL/HamiltonianNet, gradient_analysis/perturbation_analysis.py):
/// y' = eps J tanh(y) in 2-D with J = [[0, -1], [1, 0]], integrated component by component (the reference's symplectic
/// Euler: y_1 += h eps (J tanh y)_1, then y_2 += h eps (J tanh y)_2 with the new y_1), and its backward sensitivity
/// Phi(T, t0) = dy(T) / dy(t0), here exact (product of the step Jacobians) rather than by finite perturbations.
/// </summary>
public static class Counterexample
{
    /// <summary>
    /// Phi(T, t_j) for t_j = j h, j = 0..N (N = round(T / h)), from y(0) = <paramref name="y0"/>; the reference's gif uses
    /// h = 0.05, T = 20, eps = 1 and y0 = (0.33627683, -0.48627683) normalised.
    /// </summary>
    public static IReadOnlyList<CounterexamplePoint> Sensitivities(double epsilon, double h, double tEnd, double y0First, double y0Second)
    {
        var n = (int)Math.Round(tEnd / h);
        var y = new double[n + 1, 2];
        y[0, 0] = y0First;
        y[0, 1] = y0Second;
        var jac = new double[n][];
        var c = h * epsilon;
        for (var j = 0; j < n; j++)
        {
            var first = y[j, 0] - (c * Math.Tanh(y[j, 1]));
            var second = y[j, 1] + (c * Math.Tanh(first));
            double s1 = Sech2(y[j, 1]), s0 = Sech2(first);
            // d(first)/dy = [1, -c s1]; d(second)/dy = [c s0, 1 - c^2 s0 s1].
            jac[j] = [1, -c * s1, c * s0, 1 - (c * c * s0 * s1)];
            y[j + 1, 0] = first;
            y[j + 1, 1] = second;
        }

        var points = new CounterexamplePoint[n + 1];
        double[] phi = [1, 0, 0, 1];
        points[n] = new CounterexamplePoint(n * h, phi, 1);
        for (var j = n - 1; j >= 0; j--)
        {
            var a = jac[j];
            phi = [(phi[0] * a[0]) + (phi[1] * a[2]), (phi[0] * a[1]) + (phi[1] * a[3]), (phi[2] * a[0]) + (phi[3] * a[2]), (phi[2] * a[1]) + (phi[3] * a[3])];
            points[j] = new CounterexamplePoint(j * h, phi, BackwardSensitivity.SpectralNorm(phi, 2));
        }

        return points;
    }

    private static double Sech2(double x)
    {
        var t = Math.Tanh(x);
        return 1 - (t * t);
    }
}
