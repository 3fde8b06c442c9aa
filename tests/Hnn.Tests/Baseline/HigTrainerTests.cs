using Hnn.Stages.Baseline;
using Hnn.Stages.Model;
using Hnn.Stages.Numerics;
using Hnn.Stages.Training;
using Hnn.Tests.Numerics;
using Xunit;
using static Hnn.Tests.Baseline.BaselineTestSupport;

namespace Hnn.Tests.Baseline;

/// <summary>
/// The HIG trainer of the HNN baseline. Expected values: the Jacobian d f / d theta from central differences
/// (f(theta + e) - f(theta - e)) / 2e, e = 1e-6, of f = J grad H computed independently by <see cref="Network.Predict"/>
/// (truncation ~e^2, rounding ~1e-16 / e ~ 1e-10: tolerance 1e-7 relative to the largest entry); the loss against
/// <see cref="BaselineTestSupport.ReferenceLoss"/>, and Jf^T r against the Adam baseline's analytic gradient
/// (<see cref="HnnLoss.Evaluate"/>, itself checked against finite differences), both to rounding (1e-12 relative).
/// </summary>
public sealed class HigTrainerTests
{
    [Theory]
    [InlineData(2, 5, 4)]
    [InlineData(4, 3, 3)]
    public void Jacobian_matches_central_differences(int dim, int width, int count)
    {
        var network = RandomNetwork(dim, width, (ulong)(dim + width));
        var x = Uniform(dim, count, -2, 2, 7, "hig/x");
        var dx = Uniform(dim, count, -1, 1, 8, "hig/dx");
        var theta = HigTrainer.Pack(network);
        int m = count * dim, p = theta.Length;
        var jacobian = new double[m * p];
        HigTrainer.Linearise(theta, dim, width, x, dx, 0, count, jacobian, new double[m]);

        const double e = 1e-6;
        var largest = jacobian.Max(Math.Abs);
        for (var c = 0; c < p; c++)
        {
            var plus = (double[])theta.Clone();
            var minus = (double[])theta.Clone();
            plus[c] += e;
            minus[c] -= e;
            var fPlus = Predictions(HigTrainer.Unpack(plus, dim, width), x, count);
            var fMinus = Predictions(HigTrainer.Unpack(minus, dim, width), x, count);
            for (var row = 0; row < m; row++)
            {
                var central = (fPlus[row] - fMinus[row]) / (2 * e);
                Assert.True(Math.Abs(central - jacobian[(c * m) + row]) < 1e-7 * largest, $"column {c}, row {row}: {central} vs {jacobian[(c * m) + row]}");
            }
        }
    }

    [Fact]
    public void Loss_and_transposed_jacobian_times_residual_are_the_adam_baselines_loss_and_gradient()
    {
        const int Dim = 2, Width = 9, Count = 11;
        var network = RandomNetwork(Dim, Width, 5);
        var x = Uniform(Dim, Count, -2, 2, 9, "hig/x");
        var dx = Uniform(Dim, Count, -1, 1, 10, "hig/dx");
        var theta = HigTrainer.Pack(network);
        int m = Count * Dim, p = theta.Length;
        var jacobian = new double[m * p];
        var r = new double[m];
        var loss = HigTrainer.Linearise(theta, Dim, Width, x, dx, 0, Count, jacobian, r);

        Assert.Equal(ReferenceLoss(network, x, dx, 0, Count), loss, 1e-12 * loss);
        var adam = HnnLoss.Evaluate(network, x, dx, 0, Count);
        var expected = HigTrainer.Pack(new Network(new HiddenLayer(adam.Weights, adam.Biases), adam.Coefficients, 0));
        var scale = expected.Max(Math.Abs);
        for (var c = 0; c < p; c++)
        {
            double g = 0;
            for (var row = 0; row < m; row++)
            {
                g += jacobian[(c * m) + row] * r[row];
            }

            Assert.True(Math.Abs(g - expected[c]) < 1e-12 * scale, $"parameter {c}: {g} vs {expected[c]}");
        }
    }

    [Fact]
    public void Training_is_deterministic_lowers_the_loss_and_stops_at_the_budget()
    {
        // Mass-spring data, H = (q^2 + p^2) / 2: x' = (p, -q). 64 rows, width 16, batch 16 (32 x 64 Jacobians).
        var x = Uniform(2, 64, -1, 1, 11, "hig/train");
        double[][] dx = [x[1].ToArray(), x[0].Select(q => -q).ToArray()];
        var anchor = new Anchor([0, 0], 0);
        var la = Backends.LapackAvailable(out _) ? Backends.Lapack().WithThreads(1) : new ManagedLinearAlgebra();
        var settings = new HigSettings(0.5, 16, 1e-10, 200, 1);
        var a = HigTrainer.Train(x, dx, 16, anchor, settings, 3, la, null, null, CancellationToken.None);
        var b = HigTrainer.Train(x, dx, 16, anchor, settings, 3, la, null, null, CancellationToken.None);

        Assert.Equal(200, a.StepsTaken);
        Assert.Equal(a.Loss, b.Loss);
        Assert.Equal(HigTrainer.Pack(a.Network), HigTrainer.Pack(b.Network));
        Assert.Equal(a.Network.OutputBias, b.Network.OutputBias);
        Assert.True(a.Loss[^1] < 1e-3 * a.Loss[0], $"loss {a.Loss[0]:E3} -> {a.Loss[^1]:E3}");
        Assert.Equal(0, a.Network.Energy([[0.0], [0.0]])[0], 1e-12); // anchored: H(0, 0) = 0

        // The clock advances 1 s per read; with a 5 s budget steps 1..5 start at 0..4 s and the sixth read (5 s) stops it.
        var clock = -1.0;
        var cut = HigTrainer.Train(x, dx, 16, anchor, settings with { Seconds = 5 }, 3, la, () => clock += 1, null, CancellationToken.None);
        Assert.Equal(5, cut.StepsTaken);
        Assert.Equal([0.0, 1, 2, 3, 4], cut.LossSeconds);
        Assert.Equal(a.Loss.Take(5), cut.Loss);
    }

    [Fact]
    public void Settings_name_the_bad_field()
    {
        var e = Assert.Throws<ArgumentException>(() => (HigSettings.Default with { Truncation = 1.5 }).Validate());
        Assert.Contains("Truncation is 1.5; allowed: a number in [0, 1)", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => (HigSettings.Default with { Exponent = 0.5 }).Validate());
        Assert.Throws<ArgumentException>(() => (HigSettings.Default with { Seconds = -1 }).Validate());
    }

    /// <summary>f = J grad H per row (row k D + o): f_q = dH/dp, f_p = -dH/dq.</summary>
    private static double[] Predictions(Network network, double[][] x, int count)
    {
        var dim = x.Length;
        var d = dim / 2;
        var grad = Enumerable.Range(0, dim).Select(_ => new double[count]).ToArray();
        network.Predict(x, 0, count, new double[count], grad);
        var f = new double[count * dim];
        for (var k = 0; k < count; k++)
        {
            for (var i = 0; i < d; i++)
            {
                f[(k * dim) + i] = grad[d + i][k];
                f[(k * dim) + d + i] = -grad[i][k];
            }
        }

        return f;
    }
}
