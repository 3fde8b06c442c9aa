using Hnn.Datasets;
using Hnn.Stages.Sampling;
using Xunit;

namespace Hnn.Tests.Stages;

public sealed class SelectDistinctTests
{
    private static double[] RandomProbabilities(int count, ulong seed, double zeroFraction = 0)
    {
        var rng = new Rng(seed);
        var p = new double[count];
        for (var k = 0; k < count; k++)
        {
            p[k] = rng.NextDouble() < zeroFraction ? 0 : 0.01 + rng.NextDouble();
        }

        var sum = p.Sum();
        return p.Select(v => v / sum).ToArray();
    }

    [Theory]
    [InlineData(40, 10)]
    [InlineData(40, 39)]
    [InlineData(40, 40)] // every candidate must be taken
    [InlineData(1000, 150)]
    public void Returns_width_distinct_indices_in_range(int candidates, int width)
    {
        for (ulong seed = 0; seed < 10; seed++)
        {
            var selected = SwimSampler.SelectDistinct(RandomProbabilities(candidates, seed), width, seed);
            Assert.Equal(width, selected.Length);
            Assert.Equal(width, selected.Distinct().Count());
            Assert.All(selected, i => Assert.InRange(i, 0, candidates - 1));
        }
    }

    [Fact]
    public void Deterministic_per_seed()
    {
        var p = RandomProbabilities(200, 3);
        Assert.Equal(SwimSampler.SelectDistinct(p, 50, 8), SwimSampler.SelectDistinct(p, 50, 8));
        Assert.NotEqual(SwimSampler.SelectDistinct(p, 50, 8), SwimSampler.SelectDistinct(p, 50, 9));
    }

    [Theory]
    [InlineData(10)]
    [InlineData(25)]
    [InlineData(30)] // exactly as many positive candidates as the width: all of them, nothing else
    public void Never_picks_a_zero_probability_candidate_when_enough_positive_ones_exist(int width)
    {
        // 60 candidates, every other one has probability 0 -> 30 positive ones.
        var p = new double[60];
        for (var k = 0; k < p.Length; k += 2)
        {
            p[k] = 1 + (k % 7);
        }

        for (ulong seed = 0; seed < 20; seed++)
        {
            var selected = SwimSampler.SelectDistinct(p, width, seed);
            Assert.Equal(width, selected.Distinct().Count());
            Assert.All(selected, i => Assert.True(p[i] > 0, $"picked zero-probability candidate {i} (seed {seed})"));
        }
    }

    [Fact]
    public void Never_picks_a_zero_probability_candidate_at_the_ends()
    {
        // Zeros first and last: the cumulative search must not fall on either end by rounding.
        double[] p = [0, 0, 0.25, 0.5, 0.25, 0, 0];
        for (ulong seed = 0; seed < 2000; seed++)
        {
            var s = SwimSampler.SelectDistinct(p, 1, seed)[0];
            Assert.InRange(s, 2, 4);
        }
    }

    [Fact]
    public void Fewer_positive_candidates_than_width_takes_all_positive_and_fills_distinctly()
    {
        // 5 positive out of 20, width 8: all 5 positive ones plus 3 distinct others.
        var p = new double[20];
        int[] positive = [1, 4, 9, 13, 19];
        foreach (var k in positive)
        {
            p[k] = 0.2;
        }

        for (ulong seed = 0; seed < 20; seed++)
        {
            var selected = SwimSampler.SelectDistinct(p, 8, seed);
            Assert.Equal(8, selected.Length);
            Assert.Equal(8, selected.Distinct().Count());
            Assert.All(selected, i => Assert.InRange(i, 0, 19));
            Assert.Subset(selected.ToHashSet(), positive.ToHashSet());
        }

        // All zero: a uniform fill of distinct indices.
        var none = SwimSampler.SelectDistinct(new double[12], 12, 4);
        Assert.Equal(Enumerable.Range(0, 12), none.Order());
    }

    [Fact]
    public void Single_draw_frequencies_follow_the_probabilities()
    {
        // Width 1 is one categorical draw per seed. 20000 seeds; Pearson chi-square over the 5 positive
        // categories has 4 degrees of freedom, whose survival function is exp(-x/2) (1 + x/2):
        // P(chi2 > 33) ~ 1.4e-6, so a correct sampler fails this with negligible probability (the seeds are
        // fixed, so the test is deterministic). A sampler that ignored p (uniform) gives chi2 in the thousands.
        double[] p = [0.05, 0.15, 0.3, 0, 0.2, 0.3];
        const int Draws = 20000;
        var counts = new int[p.Length];
        for (var seed = 0; seed < Draws; seed++)
        {
            counts[SwimSampler.SelectDistinct(p, 1, (ulong)seed)[0]]++;
        }

        Assert.Equal(0, counts[3]);
        double chi2 = 0;
        for (var k = 0; k < p.Length; k++)
        {
            if (p[k] > 0)
            {
                var expected = Draws * p[k];
                chi2 += (counts[k] - expected) * (counts[k] - expected) / expected;
            }
        }

        Assert.True(chi2 < 33, $"chi-square {chi2:F2} over counts [{string.Join(", ", counts)}]");
    }

    [Fact]
    public void Unnormalised_weights_are_accepted()
    {
        // The draw scales u by the total, so weights need not sum to 1: (1, 3) behaves as (0.25, 0.75).
        // 4000 draws, expected 1000 of index 0, binomial sd ~ 27; allow 6 sd.
        var zeros = 0;
        for (ulong seed = 0; seed < 4000; seed++)
        {
            zeros += SwimSampler.SelectDistinct([1.0, 3.0], 1, seed)[0] == 0 ? 1 : 0;
        }

        Assert.InRange(zeros, 1000 - 165, 1000 + 165);
    }

    [Fact]
    public async Task Negligible_positive_probabilities_do_not_hang()
    {
        // Candidate 1 is positive but below the resolution of the running sum (1 + 1e-300 == 1), so it can never be
        // drawn. With width 2 both candidates must be returned; a sampler that counts it as drawable re-draws the
        // duplicate forever. A time limit makes a regression fail (TimeoutException) instead of hanging the run.
        var limit = TimeSpan.FromSeconds(5);
        var both = await Task.Run(() => SwimSampler.SelectDistinct([1.0, 1e-300], 2, 0)).WaitAsync(limit);
        Assert.Equal([0, 1], both.Order());

        var tiny = new double[8];
        Array.Fill(tiny, 1e-300);
        tiny[0] = 1;
        var three = await Task.Run(() => SwimSampler.SelectDistinct(tiny, 3, 0)).WaitAsync(limit);
        Assert.Equal(3, three.Distinct().Count());
        Assert.Contains(0, three);
    }

    [Fact]
    public void Throws_for_width_above_candidates_and_bad_probabilities()
    {
        Assert.Throws<ArgumentException>(() => SwimSampler.SelectDistinct([0.5, 0.5], 3, 0));
        Assert.Throws<ArgumentException>(() => SwimSampler.SelectDistinct([0.5, -0.1, 0.6], 1, 0));
        Assert.Throws<ArgumentException>(() => SwimSampler.SelectDistinct([0.5, double.NaN], 1, 0));
        Assert.Throws<ArgumentException>(() => SwimSampler.SelectDistinct([0.5, double.PositiveInfinity], 1, 0));
    }
}
