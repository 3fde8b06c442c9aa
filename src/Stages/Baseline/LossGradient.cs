namespace Hnn.Stages.Baseline;

/// <summary>The loss of <see cref="HnnLoss"/> and its gradient, shaped like the network's parameters.</summary>
/// <param name="Loss">L = 1/(B D) sum_k ||f(x_k) - x'_k||^2.</param>
/// <param name="Weights">dL/dw: <c>Weights[i][j]</c> for the weight of input i into neuron j.</param>
/// <param name="Biases">dL/db_j.</param>
/// <param name="Coefficients">dL/dc_j (c_0 does not enter the loss).</param>
public sealed record LossGradient(double Loss, double[][] Weights, double[] Biases, double[] Coefficients);
