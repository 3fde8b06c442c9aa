using Hnn.Stages.Model;

namespace Hnn.Stages.Baseline;

/// <summary>
/// The flat parameter vector the kernels and the optimiser work on:
/// theta = [w_0 | w_1 | ... | w_(D-1) | b | c], each block <see cref="Stride"/> long, where w_i[j] = weight of input i into
/// neuron j. <see cref="Stride"/> is the width rounded up to a multiple of <see cref="SimdWidth.Padding"/>; the padding
/// neurons have zero weights, bias and coefficient, hence zero gradient, so they stay zero under Adam with weight decay
/// and never change H.
/// </summary>
internal sealed class ParameterLayout
{
    public ParameterLayout(int dim, int width)
    {
        Dim = dim;
        Width = width;
        Stride = (width + SimdWidth.Padding - 1) / SimdWidth.Padding * SimdWidth.Padding;
        Length = (dim + 2) * Stride;
    }

    public int Dim { get; }

    public int Width { get; }

    public int Stride { get; }

    /// <summary>Entries of the flat vector, padding included.</summary>
    public int Length { get; }

    public int Weights(int input) => input * Stride;

    public int Biases => Dim * Stride;

    public int Coefficients => (Dim + 1) * Stride;

    /// <summary>Writes the network's w, b, c into <paramref name="theta"/> (padding zero).</summary>
    public void Pack(Network network, Span<double> theta)
    {
        theta[..Length].Clear();
        for (var i = 0; i < Dim; i++)
        {
            network.Hidden.Weights[i].CopyTo(theta.Slice(Weights(i), Width));
        }

        network.Hidden.Biases.CopyTo(theta.Slice(Biases, Width));
        network.Coefficients.CopyTo(theta.Slice(Coefficients, Width));
    }

    /// <summary>A network with fresh arrays holding the parameters in <paramref name="theta"/>.</summary>
    public Network Unpack(ReadOnlySpan<double> theta, double outputBias)
    {
        var (weights, biases, coefficients) = Split(theta);
        return new Network(new HiddenLayer(weights, biases), coefficients, outputBias);
    }

    /// <summary>Fresh arrays (weights[i][j], biases[j], coefficients[j]) with the entries of <paramref name="theta"/>.</summary>
    public (double[][] Weights, double[] Biases, double[] Coefficients) Split(ReadOnlySpan<double> theta)
    {
        var weights = new double[Dim][];
        for (var i = 0; i < Dim; i++)
        {
            weights[i] = theta.Slice(Weights(i), Width).ToArray();
        }

        return (weights, theta.Slice(Biases, Width).ToArray(), theta.Slice(Coefficients, Width).ToArray());
    }
}
