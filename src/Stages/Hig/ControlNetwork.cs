using Hnn.Datasets;

namespace Hnn.Stages.Hig;

/// <summary>
/// The study's control network: dense layers <see cref="Sizes"/> (2N -> 20 -> 20 -> 20 -> Nt), tanh on the hidden
/// layers, linear output. Parameters are one flat vector, layer by layer: W_l (out x in, row-major: entry (o, i) at
/// o * in + i) then b_l. Gradients and the parameter Jacobian are derived by hand (reverse mode): with a_0 the input,
/// z_l = W_l a_(l-1) + b_l, a_l = tanh(z_l) (a_L = z_L), a seed g on the output gives delta_L = g,
/// dW_l = delta_l a_(l-1)^T, db_l = delta_l, delta_(l-1) = (W_l^T delta_l) (1 - a_(l-1)^2).
/// </summary>
public sealed class ControlNetwork
{
    private readonly int[] _sizes;
    private readonly int[] _offsets;

    /// <summary>A network with the given layer sizes (input first) and zero parameters.</summary>
    public ControlNetwork(IReadOnlyList<int> sizes)
    {
        ArgumentNullException.ThrowIfNull(sizes);
        if (sizes.Count < 2 || sizes.Any(s => s < 1))
            throw new ArgumentException("need at least an input and an output layer, all sizes >= 1", nameof(sizes));
        _sizes = [.. sizes];
        _offsets = new int[_sizes.Length];
        var offset = 0;
        for (var l = 1; l < _sizes.Length; l++)
        {
            _offsets[l] = offset;
            offset += (_sizes[l] * _sizes[l - 1]) + _sizes[l];
        }

        ParameterCount = offset;
    }

    /// <summary>The study's 2N -> 20 -> 20 -> 20 -> Nt.</summary>
    public static ControlNetwork ForChain(OscillatorChain chain, int hidden = 20)
    {
        ArgumentNullException.ThrowIfNull(chain);
        return new ControlNetwork([chain.StateSize, hidden, hidden, hidden, chain.Steps]);
    }

    /// <summary>Layer sizes, input first.</summary>
    public IReadOnlyList<int> Sizes => _sizes;

    /// <summary>Input size.</summary>
    public int Inputs => _sizes[0];

    /// <summary>Output size.</summary>
    public int Outputs => _sizes[^1];

    /// <summary>Length of the flat parameter vector.</summary>
    public int ParameterCount { get; }

    /// <summary>
    /// Keras' default Dense initialisation from a seeded stream: weights Glorot-uniform U(-r, r), r = sqrt(6 / (in + out)),
    /// biases zero.
    /// </summary>
    public double[] Initialise(Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        var theta = new double[ParameterCount];
        for (var l = 1; l < _sizes.Length; l++)
        {
            var limit = Math.Sqrt(6.0 / (_sizes[l] + _sizes[l - 1]));
            var w = theta.AsSpan(_offsets[l], _sizes[l] * _sizes[l - 1]);
            for (var i = 0; i < w.Length; i++)
                w[i] = rng.NextUniform(-limit, limit);
        }

        return theta;
    }

    /// <summary>The outputs f(input; theta).</summary>
    public double[] Forward(ReadOnlySpan<double> theta, ReadOnlySpan<double> input) => Activations(theta, input)[^1];

    /// <summary>
    /// Adds (d f / d theta)^T g (one reverse sweep with seed <paramref name="seed"/> on the outputs) to
    /// <paramref name="gradient"/>, scaled by 1; returns the outputs.
    /// </summary>
    public double[] AddVectorJacobian(ReadOnlySpan<double> theta, ReadOnlySpan<double> input, ReadOnlySpan<double> seed, Span<double> gradient)
    {
        var a = Activations(theta, input);
        Backward(theta, a, seed, gradient);
        return a[^1];
    }

    /// <summary>
    /// The Jacobian d f / d theta (Outputs x ParameterCount, row-major: row o at o * ParameterCount) into
    /// <paramref name="jacobian"/>, one reverse sweep per output; returns the outputs.
    /// </summary>
    public double[] Jacobian(ReadOnlySpan<double> theta, ReadOnlySpan<double> input, Span<double> jacobian)
    {
        var a = Activations(theta, input);
        var seed = new double[Outputs];
        jacobian[..(Outputs * ParameterCount)].Clear();
        for (var o = 0; o < Outputs; o++)
        {
            seed[o] = 1;
            Backward(theta, a, seed, jacobian.Slice(o * ParameterCount, ParameterCount));
            seed[o] = 0;
        }

        return a[^1];
    }

    private double[][] Activations(ReadOnlySpan<double> theta, ReadOnlySpan<double> input)
    {
        if (theta.Length != ParameterCount || input.Length != Inputs)
            throw new ArgumentException($"need {ParameterCount} parameters and {Inputs} inputs, got {theta.Length} and {input.Length}");
        var layers = _sizes.Length;
        var a = new double[layers][];
        a[0] = input.ToArray();
        for (var l = 1; l < layers; l++)
        {
            int nIn = _sizes[l - 1], nOut = _sizes[l];
            var w = theta.Slice(_offsets[l], nOut * nIn);
            var b = theta.Slice(_offsets[l] + (nOut * nIn), nOut);
            var z = new double[nOut];
            var prev = a[l - 1];
            for (var o = 0; o < nOut; o++)
            {
                var sum = b[o];
                var row = w.Slice(o * nIn, nIn);
                for (var i = 0; i < nIn; i++)
                    sum += row[i] * prev[i];
                z[o] = l < layers - 1 ? Math.Tanh(sum) : sum;
            }

            a[l] = z;
        }

        return a;
    }

    private void Backward(ReadOnlySpan<double> theta, double[][] a, ReadOnlySpan<double> seed, Span<double> gradient)
    {
        var delta = seed.ToArray();
        for (var l = _sizes.Length - 1; l >= 1; l--)
        {
            int nIn = _sizes[l - 1], nOut = _sizes[l];
            var w = theta.Slice(_offsets[l], nOut * nIn);
            var gw = gradient.Slice(_offsets[l], nOut * nIn);
            var gb = gradient.Slice(_offsets[l] + (nOut * nIn), nOut);
            var prev = a[l - 1];
            for (var o = 0; o < nOut; o++)
            {
                var d = delta[o];
                gb[o] += d;
                if (d == 0)
                    continue;
                var row = gw.Slice(o * nIn, nIn);
                for (var i = 0; i < nIn; i++)
                    row[i] += d * prev[i];
            }

            if (l == 1)
                break;
            var next = new double[nIn];
            for (var o = 0; o < nOut; o++)
            {
                var d = delta[o];
                var row = w.Slice(o * nIn, nIn);
                for (var i = 0; i < nIn; i++)
                    next[i] += row[i] * d;
            }

            for (var i = 0; i < nIn; i++)
                next[i] *= 1 - (prev[i] * prev[i]);
            delta = next;
        }
    }
}
