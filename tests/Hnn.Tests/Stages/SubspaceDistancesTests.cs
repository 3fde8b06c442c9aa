using Hnn.Stages.Sampling;
using Xunit;

namespace Hnn.Tests.Stages;

/// <summary>
/// The streamed separable U-SWIM's one pass (<see cref="SubspaceDistances"/>): fed the rows in chunks of any size, it
/// gives every candidate's |dx_q| and |dx_p| bit for bit as Math.Sqrt of <see cref="SwimSampler.SquaredDistance"/> on
/// the whole x, hence the in-memory selection's draws; it refuses rows out of order and a pass that stopped early.
/// </summary>
public sealed class SubspaceDistancesTests
{
    private static double[][] Chunk(double[][] x, int start, int count) => [.. x.Select(c => c[start..(start + count)])];

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(200)]
    public void Chunked_pass_gives_the_in_memory_distances_and_selection_bit_for_bit(int chunkRows)
    {
        // 200 points in 6-D (dof 3), 37 neurons: uncapped pairs (n_rep = 1) and capped ones.
        var x = StageTestSupport.UniformPoints(6, 200, -3, 3, 5);
        foreach (var cap in new[] { int.MaxValue, 60 })
        {
            var pairs = CandidatePairs.Draw(200, 37, 11, cap);
            var distances = new SubspaceDistances(pairs, 6);
            Assert.True(distances.RowsNeeded <= 200);
            for (var start = 0; start < distances.RowsNeeded; start += chunkRows)
            {
                distances.Add(start, Chunk(x, start, (int)Math.Min(chunkRows, distances.RowsNeeded - start)));
            }

            var (q, p) = distances.Distances();
            for (var k = 0; k < pairs.Count; k++)
            {
                Assert.Equal(Math.Sqrt(SwimSampler.SquaredDistance(x, pairs.From[k], pairs.To[k], 0, 3)), q[k]);
                Assert.Equal(Math.Sqrt(SwimSampler.SquaredDistance(x, pairs.From[k], pairs.To[k], 3, 3)), p[k]);
            }

            // The selection from these alone is the in-memory one (which reads every candidate's points).
            var (sq, sp) = SeparableSampler.SelectUniform(q, p, 37, 13);
            var (mq, mp) = SeparableSampler.Select(pairs, x, null, 37, 13);
            Assert.Equal(mq, sq);
            Assert.Equal(mp, sp);
        }
    }

    [Fact]
    public void Rows_out_of_order_and_an_incomplete_pass_are_refused()
    {
        var x = StageTestSupport.UniformPoints(4, 50, -1, 1, 3);
        var pairs = CandidatePairs.Draw(50, 10, 4);
        var distances = new SubspaceDistances(pairs, 4);
        distances.Add(0, Chunk(x, 0, 20));
        var skip = Assert.Throws<ArgumentException>(() => distances.Add(30, Chunk(x, 30, 20)));
        Assert.Contains("this chunk starts at row 30, after 20 rows", skip.Message, StringComparison.Ordinal);
        var early = Assert.Throws<InvalidOperationException>(() => distances.Distances());
        Assert.Contains("only 20 rows were fed", early.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new SubspaceDistances(new CandidatePairs([1], [1], 50), 4));
    }
}
