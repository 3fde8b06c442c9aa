namespace Hnn.Stages.Hdnn;

/// <summary>Loss and gradient of the network weights for a fixed classifier: mean BCE of the batch plus the regulariser.</summary>
public sealed record HdnnGradient(double Loss, double[] GradK, double[] GradB);

/// <summary>The training objective of the network weights (the reference's outer step), by forward pass and adjoint.</summary>
public static class HdnnLoss
{
    /// <summary>
    /// L = mean_i BCE(W . y_N(x_i) + mu, t_i) + regulariser, and dL/dK, dL/db. The classifier's ridge term is not part
    /// of it (it does not depend on K, b). Gradients of entries that are not free are zero.
    /// </summary>
    public static HdnnGradient Evaluate(
        HdnnParameters parameters, ReadOnlySpan<double> classifier, ReadOnlySpan<double> x, ReadOnlySpan<int> labels, int count, double alpha)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var a = parameters.Architecture;
        var states = HdnnForward.States(parameters, x, count);
        var lambda = new double[count * a.Nf];
        var loss = LinearClassifier.Loss(classifier, states[a.Layers], labels, count, 0, default, lambda);
        var gradK = new double[parameters.K.Length];
        var gradB = new double[parameters.B.Length];
        HdnnBackward.Run(parameters, states, count, lambda, gradK, gradB);
        loss += SmoothnessRegulariser.Evaluate(parameters, alpha, gradK, gradB);
        Mask(a, gradK);
        return new HdnnGradient(loss, gradK, gradB);
    }

    /// <summary>Zeroes the entries of K that are not free for the layer type.</summary>
    internal static void Mask(HdnnArchitecture a, double[] gradK)
    {
        int nf = a.Nf;
        for (var j = 0; j < a.Layers; j++)
        {
            for (var r = 0; r < nf; r++)
            {
                for (var c = 0; c < nf; c++)
                {
                    if (!a.IsFree(r, c))
                    {
                        gradK[(j * nf * nf) + (r * nf) + c] = 0;
                    }
                }
            }
        }
    }
}
