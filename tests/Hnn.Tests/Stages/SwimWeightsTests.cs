using Hnn.Stages.Sampling;
using Xunit;

namespace Hnn.Tests.Stages;

public sealed class SwimWeightsTests
{
    // docs/ALGORITHM.md §2.1: w = ln(3) (x_to - x_from) / ||x_to - x_from||^2, b = -w . x_from - ln(3)/2 gives
    // z(x_from) = -ln(3)/2 and z(x_to) = +ln(3)/2, and tanh(+-ln(3)/2) = (3 - 1)/(3 + 1) * (+-1) = +-1/2 exactly.
    // Rounding in w . x and b (|x| <= 5, a few terms) stays far below 1e-12.
    private const double Tolerance = 1e-12;

    [Theory]
    [InlineData(2, 40, 30, 11UL)]
    [InlineData(2, 25, 60, 12UL)] // N > K: n_rep = 3
    [InlineData(4, 60, 50, 13UL)]
    [InlineData(4, 10, 35, 14UL)] // N > K: n_rep = 4
    public void Tanh_is_minus_half_at_from_and_plus_half_at_to(int dim, int pointCount, int width, ulong seed)
    {
        var x = StageTestSupport.UniformPoints(dim, pointCount, -5, 5, seed);
        var pairs = CandidatePairs.Draw(pointCount, width, seed + 100);
        var selected = SwimSampler.SelectDistinct(SwimSampler.UniformProbabilities(pairs), width, seed + 200);
        var layer = SwimSampler.Weights(pairs, selected, x);

        Assert.Equal(dim, layer.InputDim);
        Assert.Equal(width, layer.Width);
        for (var j = 0; j < width; j++)
        {
            var from = StageTestSupport.Point(x, pairs.From[selected[j]]);
            var to = StageTestSupport.Point(x, pairs.To[selected[j]]);
            Assert.Equal(-0.5, Math.Tanh(layer.PreActivation(j, from)), Tolerance);
            Assert.Equal(+0.5, Math.Tanh(layer.PreActivation(j, to)), Tolerance);
        }
    }

    [Fact]
    public void Weights_match_the_closed_form_for_a_hand_pair()
    {
        // Hand case: x_from = (1, 2), x_to = (3, 2): difference (2, 0), squared norm 4,
        // so w = ln(3) * (2, 0) / 4 = (ln(3)/2, 0) and b = -(ln(3)/2 * 1) - ln(3)/2 = -ln(3).
        double[][] x = [[1.0, 3.0], [2.0, 2.0]];
        var pairs = new CandidatePairs([0], [1], 2);
        var layer = SwimSampler.Weights(pairs, [0], x);
        var ln3 = Math.Log(3);
        Assert.Equal(ln3 / 2, layer.Weights[0][0], 1e-15);
        Assert.Equal(0.0, layer.Weights[1][0], 1e-15);
        Assert.Equal(-ln3, layer.Biases[0], 1e-15);
    }

    [Fact]
    public void Weights_depend_only_on_the_selected_pairs_in_order()
    {
        var x = StageTestSupport.UniformPoints(2, 30, -1, 1, 5);
        var pairs = CandidatePairs.Draw(30, 10, 6);
        var layer = SwimSampler.Weights(pairs, [3, 7, 1], x);
        var single = SwimSampler.Weights(pairs, [7], x);
        Assert.Equal(single.Weights[0][0], layer.Weights[0][1]);
        Assert.Equal(single.Weights[1][0], layer.Weights[1][1]);
        Assert.Equal(single.Biases[0], layer.Biases[1]);
    }
}
