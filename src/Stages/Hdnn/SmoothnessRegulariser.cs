namespace Hnn.Stages.Hdnn;

/// <summary>
/// The regulariser of Galimberti et al. (and DecodEPFL/HamiltonianNet, regularization/regularization.py):
/// alpha h sum_{j=0}^{N-2} (1/2 ||K_{j+1} - K_j||_F^2 + 1/2 ||b_{j+1} - b_j||^2).
/// </summary>
/// <remarks>
/// The reference applies it to the full nf x nf matrix of each layer (its getK()); for MS1 that matrix is
/// [[0, Kt], [-Kt^T, 0]], whose squared norm is twice Kt's, so MS1's K term is doubled here (Kt is stored once).
/// </remarks>
public static class SmoothnessRegulariser
{
    /// <summary>The value; adds its gradient to <paramref name="gradK"/> and <paramref name="gradB"/> when they are not null.</summary>
    public static double Evaluate(HdnnParameters parameters, double alpha, double[]? gradK, double[]? gradB)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var a = parameters.Architecture;
        int nf = a.Nf, size = nf * nf;
        var kWeight = a.Kind == HdnnKind.MS1 ? 2.0 : 1.0;
        var scale = alpha * a.H;
        double value = 0;
        for (var j = 0; j + 1 < a.Layers; j++)
        {
            value += Differences(parameters.K, size, j, scale * kWeight, gradK);
            value += Differences(parameters.B, nf, j, scale, gradB);
        }

        return value;
    }

    private static double Differences(double[] values, int size, int j, double scale, double[]? grad)
    {
        double sum = 0;
        for (var i = 0; i < size; i++)
        {
            var d = values[((j + 1) * size) + i] - values[(j * size) + i];
            sum += d * d;
            if (grad is not null)
            {
                grad[((j + 1) * size) + i] += scale * d;
                grad[(j * size) + i] -= scale * d;
            }
        }

        return scale * sum / 2;
    }
}
