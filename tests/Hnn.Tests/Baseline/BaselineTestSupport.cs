using Hnn.Datasets;
using Hnn.Stages.Model;

namespace Hnn.Tests.Baseline;

internal static class BaselineTestSupport
{
    /// <summary>
    /// The loss 1/(B D) sum_k ||J grad H(x_k) - x'_k||^2 computed independently of the trainer's kernels, from
    /// <see cref="Network.Predict"/> and Hamilton's equations (dq/dt = dH/dp, dp/dt = -dH/dq).
    /// </summary>
    public static double ReferenceLoss(Network network, double[][] x, double[][] dx, int start, int count)
    {
        var dim = x.Length;
        var d = dim / 2;
        var h = new double[count];
        var grad = new double[dim][];
        for (var i = 0; i < dim; i++)
        {
            grad[i] = new double[count];
        }

        network.Predict(x, start, count, h, grad);
        double sum = 0;
        for (var k = 0; k < count; k++)
        {
            for (var i = 0; i < d; i++)
            {
                var eq = grad[d + i][k] - dx[i][start + k];
                var ep = -grad[i][k] - dx[d + i][start + k];
                sum += (eq * eq) + (ep * ep);
            }
        }

        return sum / ((double)count * dim);
    }

    /// <summary>A network with weights ~ N(0, 1), biases ~ U(-1, 1), coefficients ~ N(0, 1), c_0 = 0.3.</summary>
    public static Network RandomNetwork(int dim, int width, ulong seed)
    {
        var rng = new Rng(seed, "test/network");
        var w = new double[dim][];
        for (var i = 0; i < dim; i++)
        {
            w[i] = new double[width];
            for (var j = 0; j < width; j++)
            {
                w[i][j] = rng.NextNormal();
            }
        }

        var b = new double[width];
        var c = new double[width];
        for (var j = 0; j < width; j++)
        {
            b[j] = rng.NextUniform(-1, 1);
            c[j] = rng.NextNormal();
        }

        return new Network(new HiddenLayer(w, b), c, 0.3);
    }

    /// <summary>dim columns of count values uniform in [lo, hi).</summary>
    public static double[][] Uniform(int dim, int count, double lo, double hi, ulong seed, string label)
    {
        var rng = new Rng(seed, label);
        var x = new double[dim][];
        for (var i = 0; i < dim; i++)
        {
            x[i] = new double[count];
            for (var k = 0; k < count; k++)
            {
                x[i][k] = rng.NextUniform(lo, hi);
            }
        }

        return x;
    }

    public static double[][] Copy(double[][] a) => a.Select(r => (double[])r.Clone()).ToArray();

    public static Network CopyNetwork(Network n) =>
        new(new HiddenLayer(Copy(n.Hidden.Weights), (double[])n.Hidden.Biases.Clone()), (double[])n.Coefficients.Clone(), n.OutputBias);

    public static void AssertSameNetwork(Network expected, Network actual)
    {
        Xunit.Assert.Equal(expected.InputDim, actual.InputDim);
        for (var i = 0; i < expected.InputDim; i++)
        {
            Xunit.Assert.Equal(expected.Hidden.Weights[i], actual.Hidden.Weights[i]);
        }

        Xunit.Assert.Equal(expected.Hidden.Biases, actual.Hidden.Biases);
        Xunit.Assert.Equal(expected.Coefficients, actual.Coefficients);
        Xunit.Assert.Equal(expected.OutputBias, actual.OutputBias);
    }
}
