using Hnn.Pipeline.Store;
using Xunit;

namespace Hnn.Tests.Store;

public class TableTests
{
    [Fact]
    public void AccessorsExposeColumnsInOrder()
    {
        var t = new Table(
            [new TableColumn("a", new[] { 1.0, 2.0 }), new TableColumn("n", new long[] { 3, 4 }), new TableColumn("i", new[] { 5, 6 })],
            new Dictionary<string, string> { ["system"] = "\"pendulum\"" });

        Assert.Equal(2, t.RowCount);
        Assert.Equal(["a", "n", "i"], t.ColumnNames);
        Assert.Equal([1.0, 2.0], t.Column("a"));
        Assert.Equal([3L, 4L], t.Int64Column("n"));
        Assert.Equal([5, 6], t.Int32Column("i"));
        Assert.Equal("\"pendulum\"", t.Metadata["system"]);
        Assert.True(t.HasColumn("n"));
        Assert.False(t.HasColumn("N"));
    }

    [Fact]
    public void UnequalLengthsAreRejectedNamingTheColumn()
    {
        var ex = Assert.Throws<ArgumentException>(() =>
            Table.FromDoubles([("q", new double[3]), ("p", new double[2])]));
        Assert.Contains("'p'", ex.Message);
        Assert.Contains("'q'", ex.Message);
    }

    [Fact]
    public void DuplicateNamesAreRejected()
    {
        var ex = Assert.Throws<ArgumentException>(() =>
            Table.FromDoubles([("q", new double[1]), ("q", new double[1])]));
        Assert.Contains("'q'", ex.Message);
    }

    [Fact]
    public void MissingColumnListsPresentOnes()
    {
        Table t = Table.FromDoubles([("q", new double[1]), ("p", new double[1])]);
        var ex = Assert.Throws<KeyNotFoundException>(() => t.Column("H"));
        Assert.Contains("'H'", ex.Message);
        Assert.Contains("'q', 'p'", ex.Message);
    }

    [Fact]
    public void WrongTypeAccessIsRejected()
    {
        var t = new Table([new TableColumn("n", new long[] { 1 })]);
        var ex = Assert.Throws<InvalidOperationException>(() => t.Column("n"));
        Assert.Contains("'n'", ex.Message);
    }

    [Fact]
    public void EmptyTablesAreAllowed()
    {
        Assert.Equal(0, new Table([]).RowCount);
        Assert.Equal(0, Table.FromDoubles([("q", Array.Empty<double>())]).RowCount);
    }
}
