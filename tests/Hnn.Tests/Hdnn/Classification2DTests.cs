using Hnn.Datasets;
using Xunit;

namespace Hnn.Tests.Hdnn;

/// <summary>
/// The 2-D benchmark generators: shapes, the zero padding to nf = 4 (coordinates at features 0 and 3), balanced labels
/// (exactly half of each class by construction; the even/odd split of a random shuffle is balanced to within a few
/// standard deviations, sqrt(8000) / 4 ~ 22 points), the geometry of each set, and determinism per seed.
/// </summary>
public sealed class Classification2DTests
{
    [Theory]
    [InlineData("swiss_roll")]
    [InlineData("double_circles")]
    [InlineData("double_moons")]
    public void Shapes_padding_and_balance(string name)
    {
        var data = Classification2DGenerators.Generate(name, 8000, 4, new Rng(1, name));
        Assert.Equal(8000 * 4, data.X.Length);
        Assert.Equal(4000, data.Labels.Count(l => l == 1));
        Assert.All(data.Labels, l => Assert.True(l is 0 or 1));
        for (var i = 0; i < 8000; i++)
        {
            Assert.Equal(0, data.X[(i * 4) + 1]);
            Assert.Equal(0, data.X[(i * 4) + 2]);
        }

        var (trainX, trainLabels) = data.Train;
        var (testX, testLabels) = data.Test;
        Assert.Equal(4000, trainLabels.Length);
        Assert.Equal(4000, testLabels.Length);
        Assert.Equal(16000, trainX.Length);
        Assert.Equal(data.X.AsSpan(4, 4).ToArray(), testX.AsSpan(0, 4).ToArray());
        Assert.InRange(trainLabels.Count(l => l == 1), 2000 - 150, 2000 + 150);
        Assert.Equal(4000, trainLabels.Count(l => l == 1) + testLabels.Count(l => l == 1));
    }

    [Fact]
    public void Double_circles_rings_alternate_labels()
    {
        // Radius within 1..4 +- 0.3 sqrt(2) ~ 0.424 (jitter at most 0.3 per coordinate); label = ring index mod 2.
        var data = Classification2DGenerators.Generate("double_circles", 800, 4, new Rng(3));
        for (var i = 0; i < data.Count; i++)
        {
            var r = Math.Sqrt((data.X[i * 4] * data.X[i * 4]) + (data.X[(i * 4) + 3] * data.X[(i * 4) + 3]));
            var ring = (int)Math.Round(r);
            Assert.InRange(r, ring - 0.43, ring + 0.43);
            Assert.Equal((ring - 1) % 2, data.Labels[i]);
        }
    }

    [Fact]
    public void Swiss_roll_spirals_have_their_radii()
    {
        // Class 1: r = theta / thetaEnd in [0, 1]; class 0: r = 0.2 + that. No noise, so r - 0.2 * (1 - label) is the
        // spiral parameter exactly, and it lies in [0, 1].
        var data = Classification2DGenerators.Generate("swiss_roll", 400, 4, new Rng(3));
        for (var i = 0; i < data.Count; i++)
        {
            var r = Math.Sqrt((data.X[i * 4] * data.X[i * 4]) + (data.X[(i * 4) + 3] * data.X[(i * 4) + 3]));
            Assert.InRange(r - (0.2 * (1 - data.Labels[i])), -1e-12, 1 + 1e-12);
        }
    }

    [Theory]
    [InlineData("swiss_roll")]
    [InlineData("double_circles")]
    [InlineData("double_moons")]
    public void Deterministic_per_seed(string name)
    {
        var a = Classification2DGenerators.Generate(name, 400, 4, new Rng(9));
        var b = Classification2DGenerators.Generate(name, 400, 4, new Rng(9));
        var c = Classification2DGenerators.Generate(name, 400, 4, new Rng(10));
        Assert.Equal(a.X, b.X);
        Assert.Equal(a.Labels, b.Labels);
        Assert.NotEqual(a.X, c.X);
    }

    [Fact]
    public void Rejects_bad_arguments()
    {
        Assert.Throws<ArgumentException>(() => Classification2DGenerators.Generate("spiral", 400, 4, new Rng(1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => Classification2DGenerators.Generate("swiss_roll", 402, 4, new Rng(1)));
    }
}
