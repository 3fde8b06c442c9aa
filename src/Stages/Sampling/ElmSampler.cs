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
        return Sample(inputDim, width, biasLow, biasHigh, seed, _ => (0, inputDim, weightScale));
    }

    /// <summary>
    /// The ELM draw with neuron j's weights on the input coordinates [Start, Start + Count) only, scaled by Scale (zero
    /// elsewhere): neuron by neuron its weights s N(0, 1), then every bias U(low, high). The full layer is every neuron on
    /// all coordinates; the separable layer (<see cref="SeparableSampler.Elm"/>) puts each neuron on its subspace.
    /// </summary>
    internal static HiddenLayer Sample(int inputDim, int width, double biasLow, double biasHigh, ulong seed, Func<int, (int Start, int Count, double Scale)> neuron)
    {
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
            var (start, count, scale) = neuron(j);
            for (var i = start; i < start + count; i++)
            {
                weights[i][j] = scale * rng.NextNormal();
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
