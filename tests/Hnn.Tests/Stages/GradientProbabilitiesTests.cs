using Hnn.Datasets;
using Hnn.Stages.Sampling;
using Xunit;

namespace Hnn.Tests.Stages;

public sealed class GradientProbabilitiesTests
{
    [Theory]
    [InlineData(2, 50, 30)]
    [InlineData(4, 20, 70)]
    public void Proportional_to_value_difference_over_distance(int dim, int pointCount, int width)
    {
        var x = StageTestSupport.UniformPoints(dim, pointCount, -3, 3, 21);
        var rng = new Rng(22);
        var y = Enumerable.Range(0, pointCount).Select(_ => rng.NextNormal()).ToArray();
        var pairs = CandidatePairs.Draw(pointCount, width, 23);

        var p = SwimSampler.GradientProbabilities(pairs, x, y);

        // Expected (docs/ALGORITHM.md §2.1): g_m = |y_to - y_from| / ||x_to - x_from||, normalised to sum 1. Recomputed
        // here with a different summation; agreement to 1e-13 relative per entry.
        var g = new double[pairs.Count];
        for (var m = 0; m < g.Length; m++)
        {
            var a = StageTestSupport.Point(x, pairs.From[m]);
            var b = StageTestSupport.Point(x, pairs.To[m]);
            var dist = Math.Sqrt(a.Zip(b, (u, v) => (v - u) * (v - u)).Sum());
            g[m] = Math.Abs(y[pairs.To[m]] - y[pairs.From[m]]) / dist;
        }

        var total = g.Sum();
        Assert.Equal(pairs.Count, p.Length);
        for (var m = 0; m < g.Length; m++)
        {
            Assert.Equal(g[m] / total, p[m], 1e-13 * Math.Max(g[m] / total, 1e-3));
        }

        Assert.Equal(1.0, p.Sum(), 1e-12);
    }

    [Fact]
    public void Hand_example()
    {
        // Points (0,0), (3,4), (0,1) with y = 0, 10, 2. Pairs 0->1 (dist 5, |dy| 10 -> g 2), 1->2 (dist sqrt(18),
        // |dy| 8 -> g 8/sqrt(18)), 2->0 (dist 1, |dy| 2 -> g 2).
        double[][] x = [[0.0, 3.0, 0.0], [0.0, 4.0, 1.0]];
        double[] y = [0.0, 10.0, 2.0];
        var pairs = new CandidatePairs([0, 1, 2], [1, 2, 0], 3);
        var g = new[] { 2.0, 8.0 / Math.Sqrt(18), 2.0 };
        var total = g.Sum();
        var p = SwimSampler.GradientProbabilities(pairs, x, y);
        for (var m = 0; m < 3; m++)
        {
            Assert.Equal(g[m] / total, p[m], 1e-15);
        }
    }

    [Fact]
    public void Uniform_fallback_when_y_is_constant()
    {
        var x = StageTestSupport.UniformPoints(2, 30, -1, 1, 31);
        var pairs = CandidatePairs.Draw(30, 45, 32); // M = 60
        var y = Enumerable.Repeat(3.25, 30).ToArray();
        var p = SwimSampler.GradientProbabilities(pairs, x, y);
        Assert.All(p, v => Assert.Equal(1.0 / 60, v));

        // Also when the total of g is positive but below 1e-10 (docs/ALGORITHM.md §2.1: "uniform fallback when sum g < 1e-10").
        var almost = y.Select((v, k) => v + (k == 0 ? 1e-14 : 0)).ToArray();
        var q = SwimSampler.GradientProbabilities(pairs, x, almost);
        Assert.All(q, v => Assert.Equal(1.0 / 60, v));
    }

    [Fact]
    public void Coincident_points_use_the_distance_floor()
    {
        // dist = max(||x_to - x_from||, 1e-10): a coincident pair with |dy| = 1e-6 gets g = 1e4, far above a
        // pair at distance 1 with |dy| = 1 (g = 1).
        double[][] x = [[0.0, 0.0, 1.0], [0.0, 0.0, 0.0]];
        double[] y = [0.0, 1e-6, 1.0];
        var pairs = new CandidatePairs([0, 0], [1, 2], 3);
        var p = SwimSampler.GradientProbabilities(pairs, x, y);
        Assert.All(p, v => Assert.True(double.IsFinite(v)));
        Assert.Equal(1e4 / (1e4 + 1), p[0], 1e-12);
        Assert.Equal(1 / (1e4 + 1), p[1], 1e-12);
    }

    [Fact]
    public void Rejects_values_for_another_point_count()
    {
        var x = StageTestSupport.UniformPoints(2, 10, -1, 1, 1);
        var pairs = CandidatePairs.Draw(10, 5, 2);
        Assert.Throws<ArgumentException>(() => SwimSampler.GradientProbabilities(pairs, x, new double[9]));
    }
}
