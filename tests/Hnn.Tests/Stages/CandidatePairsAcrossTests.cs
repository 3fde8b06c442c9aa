using Hnn.Stages.Sampling;
using Xunit;

namespace Hnn.Tests.Stages;

/// <summary>
/// <see cref="CandidatePairs.DrawAcross"/> (model.swim_pairs: across-trajectories): same count and idx_from as the
/// published draw, idx_to never in idx_from's trajectory, and every point of the other trajectories reachable.
/// </summary>
public sealed class CandidatePairsAcrossTests
{
    [Theory]
    [InlineData(new[] { 0, 0, 0, 1, 1, 1, 2, 2, 2, 2 }, 7)]   // contiguous trajectories
    [InlineData(new[] { 3, 1, 3, 1, 0, 3, 0, 1 }, 20)]          // interleaved ids, n_rep = 3
    [InlineData(new[] { 0, 1 }, 1)]                            // the smallest case
    public void Count_and_from_match_the_published_draw_and_no_pair_stays_in_one_trajectory(int[] group, int width)
    {
        for (ulong seed = 0; seed < 20; seed++)
        {
            var across = CandidatePairs.DrawAcross(group, width, seed);
            var published = CandidatePairs.Draw(group.Length, width, seed);
            Assert.Equal(published.Count, across.Count);
            Assert.Equal(published.From, across.From); // idx_from is drawn first, by the same stream
            for (var m = 0; m < across.Count; m++)
            {
                Assert.InRange(across.To[m], 0, group.Length - 1);
                Assert.NotEqual(group[across.From[m]], group[across.To[m]]);
            }
        }
    }

    [Fact]
    public void Idx_to_is_uniform_over_the_other_trajectories_points()
    {
        // 3 trajectories of 4, 2 and 6 points: from a point of the first, each of the 8 others has probability 1/8.
        int[] group = [0, 0, 0, 0, 1, 1, 2, 2, 2, 2, 2, 2];
        var counts = new int[group.Length];
        var total = 0;
        for (ulong seed = 0; seed < 400; seed++)
        {
            var p = CandidatePairs.DrawAcross(group, 600, seed); // n_rep = 50: 600 pairs per seed
            for (var m = 0; m < p.Count; m++)
            {
                if (group[p.From[m]] == 0)
                {
                    counts[p.To[m]]++;
                    total++;
                }
            }
        }

        // Expected total/8 each; with ~80 000 draws the binomial sd of a count is ~100 (sqrt(n p (1 - p)) = 94 at
        // n = 80 000, p = 1/8), so 5 % (500) is a > 5 sd margin.
        for (var k = 4; k < group.Length; k++)
        {
            Assert.InRange(counts[k], 0.95 * total / 8.0, 1.05 * total / 8.0);
        }

        Assert.Equal(0, counts[..4].Sum());
    }

    [Fact]
    public void One_trajectory_only_is_refused()
    {
        var ex = Assert.Throws<ArgumentException>(() => CandidatePairs.DrawAcross([5, 5, 5], 2, 1));
        Assert.Contains("at least two trajectories", ex.Message, StringComparison.Ordinal);
    }
}
