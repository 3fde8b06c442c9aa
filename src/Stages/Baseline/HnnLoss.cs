using Hnn.Stages.Model;
using Hnn.Stages.Numerics;

namespace Hnn.Stages.Baseline;

/// <summary>
/// The training loss of the gradient-trained HNN and its analytic gradient (docs/ALGORITHM.md §1-§2).
/// </summary>
/// <remarks>
/// <para>
/// Model: H(x) = sum_j c_j tanh(z_j) + c_0 with z_j = w_j . x + b_j, x = (q, p) of dimension D = 2d. With
/// t_j = tanh(z_j) and s_j = 1 - t_j^2 (so ds_j/dz_j = -2 t_j s_j), grad H = g with g_i = sum_j c_j s_j w_ij.
/// The prediction of x' is f = J g: f_(q_i) = g_(p_i) = dH/dp_i, f_(p_i) = -g_(q_i) = -dH/dq_i, the convention of
/// <c>HamiltonianSystem.TimeDerivative</c> and <c>DataSet.Dx</c>.
/// </para>
/// <para>
/// Loss over a batch of B rows (MSE over rows and components, as torch.nn.MSELoss):
/// L = 1/(B D) sum_k ||f(x_k) - x'_k||^2. Write r_k = f(x_k) - x'_k and e_k = dL/dg_k = (2/(B D)) J^T r_k, i.e.
/// e_(q_i) = -(2/(B D)) r_(p_i) and e_(p_i) = (2/(B D)) r_(q_i). With a_kj = e_k . w_j (the chain through g_k):
/// </para>
/// <list type="bullet">
/// <item>dg_ki/dc_j = s_kj w_ij, so dL/dc_j = sum_k s_kj a_kj.</item>
/// <item>dg_ki/db_j = c_j w_ij ds_kj/dz_kj = -2 c_j w_ij t_kj s_kj, so dL/db_j = sum_k u_kj with
/// u_kj = -2 c_j a_kj t_kj s_kj.</item>
/// <item>dg_ki/dw_lj = c_j s_kj [i = l] + c_j w_ij (-2 t_kj s_kj) x_kl, so dL/dw_lj = sum_k (e_kl c_j s_kj + u_kj x_kl).</item>
/// <item>c_0 does not enter L (its gradient is zero); it is fixed afterwards by the anchor.</item>
/// </list>
/// <para>Per row that is O(N D) work and nothing of size B x N is stored (see the internal kernels).</para>
/// </remarks>
public static class HnnLoss
{
    /// <summary>
    /// L and dL/d(w, b, c) over rows <c>start .. start + count</c> of column-major data <paramref name="x"/> and
    /// <paramref name="dx"/> (D columns each). The same kernels as <c>AdamTrainer.Train</c>, on one thread.
    /// </summary>
    public static LossGradient Evaluate(Network network, double[][] x, double[][] dx, int start, int count)
    {
        ArgumentNullException.ThrowIfNull(network);
        TrainingData.Check(x, dx);
        if (x.Length != network.InputDim)
        {
            throw new ArgumentException($"data have {x.Length} coordinates, the network expects {network.InputDim}", nameof(x));
        }

        var rows = x[0].Length;
        if (start < 0 || count < 1 || start > rows - count)
        {
            throw new ArgumentOutOfRangeException(nameof(count), $"rows {start} .. {start} + {count} are not inside the {rows} rows of the data");
        }

        var layout = new ParameterLayout(network.InputDim, network.Width);
        var theta = new AlignedBuffer(layout.Length);
        layout.Pack(network, theta.Span);
        var gradient = new AlignedBuffer(layout.Length);
        var loss = new BatchGradient(layout, count, threads: 1).Compute(theta, x, dx, start, count, gradient.Span);
        var (weights, biases, coefficients) = layout.Split(gradient.Span);
        return new LossGradient(loss, weights, biases, coefficients);
    }
}
