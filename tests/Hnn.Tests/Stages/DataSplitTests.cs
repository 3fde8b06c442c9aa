using Hnn.Datasets;
using Hnn.Stages.Sampling;
using Xunit;

namespace Hnn.Tests.Stages;

public sealed class DataSplitTests
{
    public static TheoryData<int, int> Sizes => new()
    {
        { 1, 1 },
        { 2, 1 },
        { 10, 3 },
        { 10, 10 },
        { 97, 50 },
        { 1000, 700 },
    };

    [Theory]
    [MemberData(nameof(Sizes))]
    public void Split_partitions_the_indices(int total, int train)
    {
        for (ulong seed = 0; seed < 6; seed++)
        {
            var (tr, te) = DataSplit.Split(total, train, seed);
            Assert.Equal(train, tr.Length);
            Assert.Equal(total - train, te.Length);
            Assert.Empty(tr.Intersect(te));
            Assert.Equal(train, tr.Distinct().Count());
            Assert.Equal(total - train, te.Distinct().Count());
            Assert.Equal(Enumerable.Range(0, total), tr.Concat(te).Order());
        }
    }

    [Fact]
    public void Deterministic_and_seed_dependent()
    {
        var a = DataSplit.Split(500, 300, 5);
        var b = DataSplit.Split(500, 300, 5);
        var c = DataSplit.Split(500, 300, 6);
        Assert.Equal(a.Train, b.Train);
        Assert.Equal(a.Test, b.Test);
        Assert.NotEqual(a.Train, c.Train);

        // A shuffle, not a prefix: the training indices are not 0..299.
        Assert.NotEqual(Enumerable.Range(0, 300), a.Train.Order());
    }

    [Fact]
    public void Rejects_invalid_train_counts()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => DataSplit.Split(10, 0, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => DataSplit.Split(10, 11, 1));
    }

    [Fact]
    public void Take_gathers_rows_in_index_order_into_new_arrays()
    {
        var data = DataGenerator.Sample(SystemRegistry.Create("mass-spring"), Domain.Uniform(1, new Interval(-5, 5), new Interval(-5, 5)), 20, 3);
        int[] idx = [7, 2, 19, 2];
        var taken = DataSplit.Take(data, idx);
        Assert.Equal(4, taken.Count);
        for (var r = 0; r < idx.Length; r++)
        {
            for (var i = 0; i < 2; i++)
            {
                Assert.Equal(data.X[i][idx[r]], taken.X[i][r]);
                Assert.Equal(data.Dx[i][idx[r]], taken.Dx[i][r]);
            }

            Assert.Equal(data.H[idx[r]], taken.H[r]);
        }

        Assert.NotSame(data.H, taken.H);
        Assert.NotSame(data.X[0], taken.X[0]);
    }
}
