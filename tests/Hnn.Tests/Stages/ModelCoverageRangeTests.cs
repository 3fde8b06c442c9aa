using Hnn.Pipeline.Report;
using Hnn.Stages.Training;
using Xunit;

namespace Hnn.Tests.Stages;

/// <summary>
/// Where one run's coverage lies among its band's own model draws (<see cref="ModelCoverageRange"/>), and the report
/// caption that says it in words (RunReport.BandCoverageText).
/// </summary>
public sealed class ModelCoverageRangeTests
{
    // 20 draws 0.80, 0.81, ..., 0.99 and 1.00 twice more: order statistics by hand.
    private static readonly double[] Draws =
        [0.99, 0.80, 0.81, 0.82, 0.83, 0.84, 0.85, 0.86, 0.87, 0.88, 0.89, 0.90, 0.91, 0.92, 0.93, 0.94, 0.95, 0.96, 0.97, 0.98, 1.0, 1.0];

    [Fact]
    public void Quantiles_window_and_tails_are_the_order_statistics_of_the_draws()
    {
        var r = ModelCoverageRange.Of(Draws, 0.95);
        Assert.Equal(0.81, r.Q05, 12); // index (int)(0.05 x 21) = 1
        Assert.Equal(0.90, r.Q50, 12); // index 21 / 2 = 10
        Assert.Equal(0.99, r.Q95, 12); // index (int)(0.95 x 21) = 19
        Assert.Equal(10 / 22.0, r.InWindow, 12); // 0.90 .. 0.99
        Assert.Equal(16 / 22.0, r.AtOrBelow, 12);
        Assert.Equal(7 / 22.0, r.AtOrAbove, 12);
        Assert.True(r.Consistent);
    }

    [Fact]
    public void A_run_beyond_either_tail_is_inconsistent_and_ties_at_one_count_on_both_sides()
    {
        Assert.False(ModelCoverageRange.Of(Draws, 0.79).Consistent); // no draw at or below
        var top = ModelCoverageRange.Of(Draws, 1.0);
        Assert.Equal(2 / 22.0, top.AtOrAbove, 12); // the two draws at 1.00: 9 % >= 5 %
        Assert.True(top.Consistent);
        Assert.False(ModelCoverageRange.Of([.. Enumerable.Repeat(0.9, 39), 1.0], 1.0).Consistent); // 1 of 40 = 2.5 %
        Assert.Throws<ArgumentException>(() => ModelCoverageRange.Of([], 0.9));
        Assert.Throws<ArgumentException>(() => ModelCoverageRange.Of(Draws, double.NaN));
    }

    [Fact]
    public void The_caption_names_the_range_and_says_whether_the_run_is_inside_below_or_above()
    {
        Dictionary<string, string> Meta(string consistent) => new()
        {
            ["model_coverage95_q05"] = "0.84",
            ["model_coverage95_q50"] = "0.97",
            ["model_coverage95_q95"] = "1",
            ["model_coverage95_in_window"] = "0.61",
            ["model_coverage95_consistent"] = consistent,
        };
        Assert.Contains("84.0 % to 100.0 %", RunReport.BandCoverageText(0.95, Meta("yes")), StringComparison.Ordinal);
        Assert.Contains("inside that range", RunReport.BandCoverageText(0.95, Meta("yes")), StringComparison.Ordinal);
        Assert.Contains("below that range: the band is too narrow", RunReport.BandCoverageText(0.78, Meta("no")), StringComparison.Ordinal);
        Assert.Contains("above that range", RunReport.BandCoverageText(1.0, Meta("no")), StringComparison.Ordinal);
        Assert.DoesNotContain("range", RunReport.BandCoverageText(0.95, new Dictionary<string, string>()), StringComparison.Ordinal); // residual band: coverage only
    }
}
