using Hnn.Stages.Baseline;
using Hnn.Stages.Model;
using Hnn.Stages.Training;
using Xunit;
using static Hnn.Tests.Baseline.BaselineTestSupport;

namespace Hnn.Tests.Baseline;

/// <summary>
/// Adam's semantics and the batch schedule on a tiny problem (D = 2, N = 3, 5 rows, batch 3), against an update written out by hand from the
/// textbook form of torch.optim.Adam (Kingma &amp; Ba, Algorithm 1, with PyTorch's L2 weight decay g += wd p):
/// m = b1 m + (1 - b1) g, v = b2 v + (1 - b2) g^2, p -= lr (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps).
/// The gradients come from <see cref="HnnLoss.Evaluate"/>, itself checked against finite differences.
/// </summary>
public sealed class AdamStepTests
{
    private const int Width = 3;
    private const ulong Seed = 11;

    private static readonly double[][] X = Uniform(2, 5, -1, 1, 5, "x");
    private static readonly double[][] Dx = Uniform(2, 5, -1, 1, 5, "dx");
    private static readonly Anchor Anchor = new([0.2, -0.1], 0.7);

    // Batch 3 over 5 rows, the reference's get_batch (start = (t - 1) * 3 mod 5, cut at the end of the data):
    // step 1 rows 0..2, step 2 the shorter slice 3..4, step 3 rows 1..3, step 4 row 4 alone.
    private static readonly (int Start, int Count)[] Slices = [(0, 3), (3, 2), (1, 3), (4, 1)];

    [Fact]
    public void Four_steps_match_the_hand_written_update_with_bias_correction_and_weight_decay()
    {
        const double lr = 0.01, wd = 0.1; // a weight decay large enough to matter
        var settings = new AdamSettings(lr, 3, wd, Slices.Length, 1);
        var result = AdamTrainer.Train(X, Dx, Width, Anchor, settings, Seed, 1, null, CancellationToken.None);

        var p = Flatten(AdamTrainer.Initialize(2, Width, Seed));
        var m = new double[p.Length];
        var v = new double[p.Length];
        var expectedLoss = new double[Slices.Length];
        for (var t = 1; t <= Slices.Length; t++)
        {
            var (start, count) = Slices[t - 1];
            var grad = HnnLoss.Evaluate(Unflatten(p), X, Dx, start, count);
            expectedLoss[t - 1] = grad.Loss;
            var g = Flatten(grad.Weights, grad.Biases, grad.Coefficients);
            for (var i = 0; i < p.Length; i++)
            {
                var gi = g[i] + (wd * p[i]);
                m[i] = (AdamTrainer.Beta1 * m[i]) + ((1 - AdamTrainer.Beta1) * gi);
                v[i] = (AdamTrainer.Beta2 * v[i]) + ((1 - AdamTrainer.Beta2) * gi * gi);
                var mHat = m[i] / (1 - Math.Pow(AdamTrainer.Beta1, t));
                var vHat = v[i] / (1 - Math.Pow(AdamTrainer.Beta2, t));
                p[i] -= lr * mHat / (Math.Sqrt(vHat) + AdamTrainer.Epsilon);
            }
        }

        var actual = Flatten(result.Network);
        for (var i = 0; i < p.Length; i++)
        {
            Assert.Equal(p[i], actual[i], 1e-14);
        }

        Assert.Equal([1, 2, 3, 4], result.LossSteps);
        for (var t = 0; t < Slices.Length; t++)
        {
            Assert.Equal(expectedLoss[t], result.Loss[t], 1e-15 * expectedLoss[t]);
        }

        // The anchor: H(x0) = H0.
        Assert.Equal(Anchor.H0, result.Network.Energy([[Anchor.X0[0]], [Anchor.X0[1]]])[0], 1e-12);
    }

    [Theory]
    [InlineData(AdamInit.TorchDefault)]
    [InlineData(AdamInit.Xavier)]
    public void First_step_moves_every_parameter_by_about_lr_against_the_sign_of_its_gradient(AdamInit init)
    {
        // Adam's first step: m = (1 - b1) g, v = (1 - b2) g^2, so the bias-corrected step is lr g / (|g| + eps), i.e.
        // lr sign(g) when |g| >> eps (here |g| > 1e-6, so within 1 % of lr). Xavier's zero biases have g = grad + wd 0,
        // so they move too.
        const double lr = 1e-3;
        var settings = new AdamSettings(lr, 3, 0, 1, 1) { Init = init };
        var initial = AdamTrainer.Initialize(2, Width, Seed, init);
        var grad = HnnLoss.Evaluate(initial, X, Dx, 0, 3);
        var result = AdamTrainer.Train(X, Dx, Width, Anchor, settings, Seed, 1, null, CancellationToken.None);
        var before = Flatten(initial);
        var after = Flatten(result.Network);
        var g = Flatten(grad.Weights, grad.Biases, grad.Coefficients);
        for (var i = 0; i < g.Length; i++)
        {
            Assert.True(Math.Abs(g[i]) > 1e-6, "gradient entry too small for this check");
            Assert.Equal(-lr * g[i] / (Math.Abs(g[i]) + AdamTrainer.Epsilon), after[i] - before[i], 1e-15);
            Assert.Equal(-lr * Math.Sign(g[i]), after[i] - before[i], 1e-2 * lr);
        }
    }

    [Fact]
    public void Batches_follow_the_reference_get_batch()
    {
        // The paper's TraditionalTrainer: i_begin = (step * batch_size) % len(x); x[i_begin:i_begin + batch_size]
        // (0-based step). K = 10000, B = 2048: four full slices, 1808 rows at the end, then 240 .. 2288, ...
        (int, int)[] expected = [(0, 2048), (2048, 2048), (4096, 2048), (6144, 2048), (8192, 1808), (240, 2048), (2288, 2048)];
        Assert.Equal(expected, Enumerable.Range(1, expected.Length).Select(t => AdamTrainer.Batch(t, 2048, 10000)));

        // K a multiple of B: plain cycling. B > K: numpy slicing cuts at the end, so slices start at (t - 1) B mod K.
        Assert.Equal([(0, 5), (5, 5), (0, 5)], Enumerable.Range(1, 3).Select(t => AdamTrainer.Batch(t, 5, 10)));
        Assert.Equal([(0, 5), (2, 3), (4, 1), (1, 4)], Enumerable.Range(1, 4).Select(t => AdamTrainer.Batch(t, 7, 5)));

        // (t - 1) B is computed in 64 bits.
        Assert.Equal((int)((long)(int.MaxValue - 1) * 2048 % 10000), AdamTrainer.Batch(int.MaxValue, 2048, 10000).Start);
    }

    [Fact]
    public void Zero_steps_return_the_anchored_initial_network()
    {
        var result = AdamTrainer.Train(X, Dx, Width, Anchor, new AdamSettings(0.01, 3, 0, 0, 1), Seed, 1, null, CancellationToken.None);
        var initial = AdamTrainer.Initialize(2, Width, Seed);
        Assert.Equal(Flatten(initial), Flatten(result.Network));
        Assert.Empty(result.Loss);
        Assert.Equal(Anchor.H0, result.Network.Energy([[Anchor.X0[0]], [Anchor.X0[1]]])[0], 1e-12);
    }

    // Parameters in the order w_0, w_1, b, c (c_0 left out).
    private static double[] Flatten(Network n) => Flatten(n.Hidden.Weights, n.Hidden.Biases, n.Coefficients);

    private static double[] Flatten(double[][] w, double[] b, double[] c) => [.. w.SelectMany(r => r), .. b, .. c];

    private static Network Unflatten(double[] p) =>
        new(new HiddenLayer([p[..Width], p[Width..(2 * Width)]], p[(2 * Width)..(3 * Width)]), p[(3 * Width)..], 0);
}
