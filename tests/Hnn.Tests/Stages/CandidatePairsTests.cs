using Hnn.Stages.Sampling;
using Xunit;

namespace Hnn.Tests.Stages;

public sealed class CandidatePairsTests
{
    public static TheoryData<int, int> Sizes => new()
    {
        { 2, 1 },
        { 10, 3 },
        { 10, 10 },
        { 10, 11 }, // n_rep = 2
        { 10, 25 }, // n_rep = 3
        { 7, 50 },  // n_rep = 8
        { 1000, 150 },
        { 3, 1000 }, // n_rep = 334
    };

    [Theory]
    [MemberData(nameof(Sizes))]
    public void Count_is_K_times_n_rep_and_pairs_are_valid(int k, int n)
    {
        // docs/ALGORITHM.md §2.1: n_rep = max(1, ceil(N / K)), M = K * n_rep. Integer ceiling computed independently here.
        var nRep = Math.Max(1, (n + k - 1) / k);
        for (ulong seed = 0; seed < 5; seed++)
        {
            var pairs = CandidatePairs.Draw(k, n, seed);
            Assert.Equal(k * nRep, pairs.Count);
            Assert.Equal(pairs.Count, pairs.To.Length);
            Assert.Equal(k, pairs.PointCount);
            Assert.True(pairs.Count >= n, "there must be at least N candidates to select N distinct ones");
            for (var m = 0; m < pairs.Count; m++)
            {
                Assert.InRange(pairs.From[m], 0, k - 1);
                Assert.InRange(pairs.To[m], 0, k - 1);
                Assert.NotEqual(pairs.From[m], pairs.To[m]);
            }
        }
    }

    [Fact]
    public void Deterministic_per_seed_and_different_across_seeds()
    {
        var a = CandidatePairs.Draw(100, 40, 42);
        var b = CandidatePairs.Draw(100, 40, 42);
        var c = CandidatePairs.Draw(100, 40, 43);
        Assert.Equal(a.From, b.From);
        Assert.Equal(a.To, b.To);
        Assert.NotEqual(a.From, c.From);
        Assert.NotEqual(a.To, c.To);
    }

    [Fact]
    public void From_and_offset_are_roughly_uniform()
    {
        // K = 5, N = 5000: n_rep = 1000, M = 5000. idx_from uniform on 5 values (expected 1000 each) and
        // delta = (to - from) mod K uniform on {1..4} (expected 1250 each). Binomial sd ~ 28-31; allow 6 sd.
        var pairs = CandidatePairs.Draw(5, 5000, 9);
        var fromCounts = new int[5];
        var deltaCounts = new int[5];
        for (var m = 0; m < pairs.Count; m++)
        {
            fromCounts[pairs.From[m]]++;
            deltaCounts[(pairs.To[m] - pairs.From[m] + 5) % 5]++;
        }

        Assert.All(fromCounts, c => Assert.InRange(c, 1000 - 180, 1000 + 180));
        Assert.Equal(0, deltaCounts[0]);
        Assert.All(deltaCounts[1..], c => Assert.InRange(c, 1250 - 200, 1250 + 200));
    }

    [Fact]
    public void Two_points_always_pair_with_each_other()
    {
        var pairs = CandidatePairs.Draw(2, 7, 1); // n_rep = 4, M = 8
        Assert.Equal(8, pairs.Count);
        for (var m = 0; m < pairs.Count; m++)
        {
            Assert.Equal(1 - pairs.From[m], pairs.To[m]);
        }
    }

    [Fact]
    public void Rejects_fewer_than_two_points_and_empty_width()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => CandidatePairs.Draw(1, 5, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => CandidatePairs.Draw(10, 0, 0));
    }
}
