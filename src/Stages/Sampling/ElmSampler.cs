using Hnn.Datasets;
using Hnn.Stages.Model;

namespace Hnn.Stages.Sampling;

/// <summary>
/// ELM hidden layer (docs/ALGORITHM.md §2.1): every weight component ~ N(0, 1), no scaling; every bias ~ U(a, b).
/// Draw order (fixed, part of reproducibility): all weights neuron by neuron (inputs inner), then all biases.
/// A weight scale s (<c>model.weight_scale</c>, docs/ALGORITHM.md §2.1a) multiplies every weight (w = s N(0, 1)) and
/// leaves the biases as drawn; s = 1 gives the unscaled layer bit for bit.
/// </summary>
public static class ElmSampler
{
    public static HiddenLayer Sample(int inputDim, int width, double biasLow, double biasHigh, ulong seed, double weightScale = 1)
    {
        WeightScale.Check(weightScale);
        if (inputDim < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(inputDim), inputDim, "input dimension must be at least 1");
        }

        if (width < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(width), width, "width must be at least 1");
        }

        if (!double.IsFinite(biasLow) || !double.IsFinite(biasHigh) || biasLow > biasHigh)
        {
            throw new ArgumentException($"ELM bias range [{biasLow}, {biasHigh}] must be finite with low <= high");
        }

        var rng = new Rng(seed);
        var weights = new double[inputDim][];
        for (var i = 0; i < inputDim; i++)
        {
            weights[i] = new double[width];
        }

        for (var j = 0; j < width; j++)
        {
            for (var i = 0; i < inputDim; i++)
            {
                weights[i][j] = weightScale * rng.NextNormal();
            }
        }

        var biases = new double[width];
        for (var j = 0; j < width; j++)
        {
            biases[j] = rng.NextUniform(biasLow, biasHigh);
        }

        return new HiddenLayer(weights, biases);
    }
}
