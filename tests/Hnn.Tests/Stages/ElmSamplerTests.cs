using Hnn.Stages.Sampling;
using Xunit;

namespace Hnn.Tests.Stages;

public sealed class ElmSamplerTests
{
    [Fact]
    public void Weights_are_standard_normal_and_biases_uniform_in_range()
    {
        // 4 inputs x 20000 neurons = 80000 weights. For N(0, 1): sample mean sd = 1/sqrt(80000) ~ 0.0035,
        // sample variance sd = sqrt(2/80000) = 0.005, P(|w| < 1) = 0.6827 (sd 0.0016). Tolerances ~6 sd.
        const int Dim = 4, Width = 20000;
        const double A = -2.5, B = 7.0;
        var layer = ElmSampler.Sample(Dim, Width, A, B, 1234);
        Assert.Equal(Dim, layer.InputDim);
        Assert.Equal(Width, layer.Width);

        var w = layer.Weights.SelectMany(r => r).ToArray();
        var mean = w.Average();
        var variance = w.Select(v => (v - mean) * (v - mean)).Sum() / (w.Length - 1);
        var inside = w.Count(v => Math.Abs(v) < 1) / (double)w.Length;
        Assert.Equal(0.0, mean, 0.02);
        Assert.Equal(1.0, variance, 0.03);
        Assert.Equal(0.6827, inside, 0.01);

        // Each input's weights separately: no input scaled differently (sd of a 20000-sample variance = 0.01).
        foreach (var row in layer.Weights)
        {
            var m = row.Average();
            Assert.Equal(1.0, row.Select(v => (v - m) * (v - m)).Average(), 0.06);
        }

        // Biases: U(a, b) with b - a = 9.5: all inside [a, b); mean (a + b)/2 = 2.25 with sd 9.5/sqrt(12 * 20000)
        // ~ 0.019; both halves of the interval used.
        Assert.All(layer.Biases, v => Assert.InRange(v, A, B));
        Assert.Equal((A + B) / 2, layer.Biases.Average(), 0.12);
        Assert.True(layer.Biases.Min() < A + 0.01 && layer.Biases.Max() > B - 0.01, "biases do not span [a, b]");
    }

    [Fact]
    public void Deterministic_per_seed()
    {
        var a = ElmSampler.Sample(2, 50, -1, 1, 77);
        var b = ElmSampler.Sample(2, 50, -1, 1, 77);
        var c = ElmSampler.Sample(2, 50, -1, 1, 78);
        Assert.Equal(a.Biases, b.Biases);
        Assert.Equal(a.Weights[0], b.Weights[0]);
        Assert.Equal(a.Weights[1], b.Weights[1]);
        Assert.NotEqual(a.Weights[0], c.Weights[0]);
        Assert.NotEqual(a.Biases, c.Biases);
    }

    [Fact]
    public void Degenerate_bias_range_and_invalid_settings()
    {
        var layer = ElmSampler.Sample(2, 10, 3, 3, 1);
        Assert.All(layer.Biases, v => Assert.Equal(3.0, v));
        Assert.Throws<ArgumentOutOfRangeException>(() => ElmSampler.Sample(0, 10, 0, 1, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => ElmSampler.Sample(2, 0, 0, 1, 1));
        Assert.Throws<ArgumentException>(() => ElmSampler.Sample(2, 10, 1, 0, 1));
        Assert.Throws<ArgumentException>(() => ElmSampler.Sample(2, 10, double.NaN, 1, 1));
    }
}
