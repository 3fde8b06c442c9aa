using System.Numerics.Tensors;

namespace Hnn.Stages.Model;

/// <summary>
/// A tanh hidden layer of <see cref="Width"/> neurons over <see cref="InputDim"/> inputs.
/// <c>Weights[i][j]</c> is the weight of input i (q_1..q_d, p_1..p_d) into neuron j (the W[r, j] of docs/ALGORITHM.md §2);
/// <c>Biases[j]</c> is the bias of neuron j.
/// </summary>
public sealed record HiddenLayer
{
    public HiddenLayer(double[][] weights, double[] biases)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(biases);
        if (weights.Length == 0)
        {
            throw new ArgumentException("a hidden layer needs at least one input", nameof(weights));
        }

        for (var i = 0; i < weights.Length; i++)
        {
            if (weights[i].Length != biases.Length)
            {
                throw new ArgumentException(
                    $"weights of input {i} have {weights[i].Length} entries but there are {biases.Length} biases", nameof(weights));
            }
        }

        Weights = weights;
        Biases = biases;
    }

    public double[][] Weights { get; }

    public double[] Biases { get; }

    public int InputDim => Weights.Length;

    public int Width => Biases.Length;

    /// <summary>
    /// In place: z -> s = 1 - tanh^2(z), the derivative of tanh. Each entry's bits are a function of its z alone
    /// (<see cref="Tanh"/>), wherever the span lies and whichever thread runs it.
    /// </summary>
    public static void TanhDerivativeInPlace(Span<double> z)
    {
        for (var i = 0; i < z.Length; i++)
        {
            var t = Math.Tanh(z[i]);
            z[i] = 1 - (t * t);
        }
    }

    /// <summary>
    /// In place: z -> tanh(z) with Math.Tanh (the C library's), entry by entry. Not TensorPrimitives.Tanh: its bits
    /// are not a function of the input alone (docs/RELIABILITY.md): they depend on the JIT tier of the framework's
    /// vector code (precompiled ReadyToRun code and its tier-1 re-JIT round differently; which one a call gets depends
    /// on when the background tier-up lands) and on the span's address (it groups elements into SIMD vectors by
    /// alignment, and an element's result depends on its vector's other elements). Measured: the same [S | U] block
    /// differed in the last bit of a few entries run to run, so the 2-lane structured fit was not reproducible.
    /// </summary>
    public static void Tanh(Span<double> z)
    {
        for (var i = 0; i < z.Length; i++)
        {
            z[i] = Math.Tanh(z[i]);
        }
    }

    /// <summary>Pre-activation z_j = w_j . x + b_j for one point.</summary>
    public double PreActivation(int j, ReadOnlySpan<double> x)
    {
        var z = Biases[j];
        for (var i = 0; i < Weights.Length; i++)
        {
            z += Weights[i][j] * x[i];
        }

        return z;
    }

    /// <summary>
    /// Pre-activations for a block of points given as columns (<c>x[i][start + k]</c>), written column-major
    /// into <paramref name="z"/> (count x Width, leading dimension <paramref name="count"/>).
    /// </summary>
    public void PreActivations(double[][] x, int start, int count, Span<double> z)
    {
        if (x.Length != InputDim)
        {
            throw new ArgumentException($"points have {x.Length} coordinates, the layer expects {InputDim}", nameof(x));
        }

        if (z.Length < (long)count * Width)
        {
            throw new ArgumentException("output buffer too small", nameof(z));
        }

        for (var j = 0; j < Width; j++)
        {
            var col = z.Slice(j * count, count);
            col.Fill(Biases[j]);
            for (var i = 0; i < x.Length; i++)
            {
                // col = x_i * w_ij + col (vectorised).
                TensorPrimitives.MultiplyAdd(x[i].AsSpan(start, count), Weights[i][j], col, col);
            }
        }
    }
}
