using Hnn.Datasets;
using Hnn.Stages.Model;

namespace Hnn.Stages.Training;

/// <summary>How the rows of the output layer's least-squares system are built (<c>model.target</c>; docs/ALGORITHM.md §6).</summary>
public enum TargetFormulation
{
    /// <summary>Exact time derivatives x' at the data points (today's rows, docs/ALGORITHM.md §2.2).</summary>
    Derivatives,

    /// <summary>
    /// (x_{n+1} - x_n) / h_n = J grad H(q_{n+1}, p_n): the symplectic-Euler pairing; the learned function is corrected by
    /// H + (h/2) dH/dq . dH/dp.
    /// </summary>
    FiniteDifference,

    /// <summary>
    /// (x_{n+1} - x_n) / h_n = J grad H((x_n + x_{n+1}) / 2): the implicit midpoint rule; corrected by
    /// H - (h^2/24) H''(J grad H, J grad H).
    /// </summary>
    Midpoint,
}

/// <summary>Names of <see cref="TargetFormulation"/> in configs and results.</summary>
public static class TargetFormulations
{
    public static IReadOnlyList<string> Names { get; } = ["derivatives", "finite-difference", "midpoint"];

    public static string ToName(this TargetFormulation formulation) => formulation switch
    {
        TargetFormulation.Derivatives => "derivatives",
        TargetFormulation.FiniteDifference => "finite-difference",
        TargetFormulation.Midpoint => "midpoint",
        _ => throw new ArgumentOutOfRangeException(nameof(formulation), formulation, null),
    };

    public static bool TryParse(string name, out TargetFormulation formulation)
    {
        ArgumentNullException.ThrowIfNull(name);
        var i = Names.ToList().IndexOf(name.Trim().ToLowerInvariant());
        formulation = i < 0 ? default : (TargetFormulation)i;
        return i >= 0;
    }
}

/// <summary>
/// The rows of a trajectory formulation, in the layout of derivative data (<see cref="DataSet.X"/>, <see cref="DataSet.Dx"/>):
/// row k asks J grad H(X[.][k]) = Dx[.][k]. They go to the same fit (<see cref="OutputLayer.Fit"/>), samplers and
/// A-SWIM as derivative data; <see cref="MeanStep"/> (mean h_n over the rows) and <see cref="MeanSquareStep"/> (mean
/// h_n^2) are what the corrections use.
/// </summary>
public sealed record FormulationRows(TargetFormulation Formulation, int Dof, double[][] X, double[][] Dx, double MeanStep, double MeanSquareStep)
{
    /// <summary>Number of rows (one per step of every trajectory).</summary>
    public int Count => X[0].Length;
}

/// <summary>
/// The trajectory formulations of docs/ALGORITHM.md §6: rows of the output layer's least-squares system from observed
/// states, and the backward-error corrections applied to the learned H. Pure.
/// </summary>
public static class Formulations
{
    /// <summary>
    /// One row per step n of every trajectory (trajectories in order, steps in order), with h_n = t_{n+1} - t_n:
    /// target (x_{n+1} - x_n) / h_n; feature point (q_{n+1}, p_n) (finite difference) or (x_n + x_{n+1}) / 2 (midpoint).
    /// </summary>
    /// <exception cref="ArgumentException"><see cref="TargetFormulation.Derivatives"/>: trajectories carry no x'.</exception>
    public static FormulationRows Rows(TrajectorySet set, TargetFormulation formulation)
    {
        ArgumentNullException.ThrowIfNull(set);
        if (formulation is not (TargetFormulation.FiniteDifference or TargetFormulation.Midpoint))
        {
            throw new ArgumentException(
                $"formulation '{formulation.ToName()}' needs time derivatives; trajectories give 'finite-difference' or 'midpoint' rows", nameof(formulation));
        }

        var d = set.Dof;
        var rows = checked((int)set.StepCount);
        var x = new double[2 * d][];
        var dx = new double[2 * d][];
        for (var i = 0; i < 2 * d; i++)
        {
            x[i] = new double[rows];
            dx[i] = new double[rows];
        }

        double sumH = 0, sumH2 = 0;
        var k = 0;
        foreach (var t in set.Trajectories)
        {
            for (var n = 0; n < t.Steps; n++, k++)
            {
                var h = t.Times[n + 1] - t.Times[n];
                sumH += h;
                sumH2 += h * h;
                for (var i = 0; i < 2 * d; i++)
                {
                    var a = t.States[i][n];
                    var b = t.States[i][n + 1];
                    dx[i][k] = (b - a) / h;
                    x[i][k] = formulation == TargetFormulation.Midpoint ? 0.5 * (a + b) : i < d ? b : a;
                }
            }
        }

        return new FormulationRows(formulation, d, x, dx, sumH / rows, sumH2 / rows);
    }

    /// <summary>
    /// The corrected H at the points <paramref name="x"/> (columns): for finite differences
    /// H^ + (h/2) sum_i dH^/dq_i dH^/dp_i with h = <paramref name="rows"/>' mean step; for the midpoint rule
    /// H^ - (h^2/24) H^''(J grad H^, J grad H^) with h^2 its mean squared step; for derivatives H^ itself.
    /// </summary>
    public static double[] CorrectedEnergy(Network network, double[][] x, FormulationRows rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        return CorrectedEnergy(network, x, rows.Formulation, rows.Formulation == TargetFormulation.Midpoint ? rows.MeanSquareStep : rows.MeanStep);
    }

    /// <summary>
    /// As <see cref="CorrectedEnergy(Network, double[][], FormulationRows)"/> with the step given: h for finite
    /// differences, h^2 for the midpoint rule (ignored for derivatives).
    /// </summary>
    public static double[] CorrectedEnergy(Network network, double[][] x, TargetFormulation formulation, double step)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(x);
        var count = x.Length == 0 ? 0 : x[0].Length;
        var dim = network.InputDim;
        var d = dim / 2;
        var h = new double[count];
        if (formulation == TargetFormulation.Derivatives)
        {
            network.Predict(x, 0, count, h, null);
            return h;
        }

        var grad = new double[dim][];
        for (var i = 0; i < dim; i++)
        {
            grad[i] = new double[count];
        }

        network.Predict(x, 0, count, h, grad);
        if (formulation == TargetFormulation.FiniteDifference)
        {
            for (var k = 0; k < count; k++)
            {
                double dot = 0;
                for (var i = 0; i < d; i++)
                {
                    dot += grad[i][k] * grad[d + i][k];
                }

                h[k] += 0.5 * step * dot;
            }

            return h;
        }

        var quad = HessianQuadraticAlongFlow(network, x, grad);
        for (var k = 0; k < count; k++)
        {
            h[k] -= step / 24 * quad[k];
        }

        return h;
    }

    /// <summary>
    /// H''(v, v) with v = J grad H at every point: for H = sum_j c_j tanh(z_j) + c_0 the Hessian is
    /// sum_j c_j (-2 tanh(z_j) (1 - tanh^2(z_j))) w_j w_j^T, so H''(v, v) = sum_j c_j (-2 t_j s_j) (w_j . v)^2.
    /// </summary>
    public static double[] HessianQuadraticAlongFlow(Network network, double[][] x, double[][] grad)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(grad);
        var count = x[0].Length;
        var dim = network.InputDim;
        var d = dim / 2;
        var hidden = network.Hidden;
        var quad = new double[count];
        var point = new double[dim];
        var v = new double[dim];
        for (var k = 0; k < count; k++)
        {
            for (var i = 0; i < dim; i++)
            {
                point[i] = x[i][k];
            }

            // v = J grad H: dq = dH/dp, dp = -dH/dq.
            for (var i = 0; i < d; i++)
            {
                v[i] = grad[d + i][k];
                v[d + i] = -grad[i][k];
            }

            double sum = 0;
            for (var j = 0; j < network.Width; j++)
            {
                var t = Math.Tanh(hidden.PreActivation(j, point));
                double wv = 0;
                for (var i = 0; i < dim; i++)
                {
                    wv += hidden.Weights[i][j] * v[i];
                }

                sum += network.Coefficients[j] * (-2 * t * (1 - (t * t))) * wv * wv;
            }

            quad[k] = sum;
        }

        return quad;
    }
}
