using System.Numerics.Tensors;

namespace Hnn.Stages.Model;

/// <summary>
/// A sampled HNN: H(x) = sum_j c_j tanh(w_j . x + b_j) + c_0 (docs/ALGORITHM.md §2).
/// </summary>
/// <param name="Hidden">The hidden layer.</param>
/// <param name="Coefficients">Output weights c_j, one per neuron.</param>
/// <param name="OutputBias">c_0, fixed by the anchor row.</param>
public sealed record Network(HiddenLayer Hidden, double[] Coefficients, double OutputBias)
{
    public int Width => Hidden.Width;

    public int InputDim => Hidden.InputDim;

    /// <summary>
    /// H and grad H at the points <c>x[i][start .. start + count)</c>. <paramref name="h"/> receives count values,
    /// <paramref name="grad"/> (if not null) receives InputDim columns of count values each.
    /// </summary>
    public void Predict(double[][] x, int start, int count, Span<double> h, double[][]? grad)
    {
        if (x.Length != InputDim)
        {
            throw new ArgumentException($"points have {x.Length} coordinates, the network expects {InputDim}", nameof(x));
        }

        h[..count].Fill(OutputBias);
        if (grad is not null)
        {
            foreach (var g in grad)
            {
                Array.Clear(g, 0, count);
            }
        }

        const int Block = 256;
        var z = new double[Block];
        for (var s = 0; s < count; s += Block)
        {
            var n = Math.Min(Block, count - s);
            for (var j = 0; j < Width; j++)
            {
                var c = Coefficients[j];
                var zs = z.AsSpan(0, n);
                zs.Fill(Hidden.Biases[j]);
                for (var i = 0; i < x.Length; i++)
                {
                    TensorPrimitives.MultiplyAdd(x[i].AsSpan(start + s, n), Hidden.Weights[i][j], zs, zs);
                }

                // h += c tanh(z); zs <- c (1 - tanh^2(z)), the factor of w_j in grad H.
                var hs = h.Slice(s, n);
                HiddenLayer.Tanh(zs); // not TensorPrimitives.Tanh: see HiddenLayer.Tanh
                TensorPrimitives.MultiplyAdd(zs, c, hs, hs);
                if (grad is not null)
                {
                    TensorPrimitives.Multiply(zs, zs, zs);
                    TensorPrimitives.Subtract(1.0, zs, zs);
                    TensorPrimitives.Multiply(zs, c, zs);
                    for (var i = 0; i < x.Length; i++)
                    {
                        var gs = grad[i].AsSpan(s, n);
                        TensorPrimitives.MultiplyAdd(zs, Hidden.Weights[i][j], gs, gs);
                    }
                }
            }
        }
    }

    /// <summary>H at every point of <paramref name="x"/> (columns).</summary>
    public double[] Energy(double[][] x)
    {
        var count = x.Length == 0 ? 0 : x[0].Length;
        var h = new double[count];
        Predict(x, 0, count, h, null);
        return h;
    }
}
