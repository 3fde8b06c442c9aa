using Hnn.Pipeline.Store;
using Parquet;
using Parquet.Schema;
using Xunit;

namespace Hnn.Tests.Store;

public class ParquetTableIOTests
{
    private static readonly Dictionary<string, string> Meta = new()
    {
        ["system"] = "\"double_pendulum\"",
        ["seed"] = "42",
        ["dt"] = "0.01",
    };

    [Theory]
    [InlineData(ParquetCompression.Snappy)]
    [InlineData(ParquetCompression.None)]
    public async Task RoundTripPreservesBitsSchemaAndMetadata(ParquetCompression compression)
    {
        using var dir = new TempDir();
        Table t = TableFactory.Mixed(5_000, seed: 1, Meta);
        string path = dir.File("t.parquet");

        await ParquetTableIO.WriteAsync(t, path, new ParquetWriteOptions { Compression = compression });
        Table back = await ParquetTableIO.ReadAsync(path);

        TableFactory.AssertSameData(t, back);
        Assert.Equal(Meta, back.Metadata);
        Assert.Equal(["t.parquet"], dir.AllFiles()); // no temp file left behind
    }

    [Fact]
    public async Task EmptyTableRoundTrips()
    {
        using var dir = new TempDir();
        Table t = new([new TableColumn("q", Array.Empty<double>()), new TableColumn("step", Array.Empty<long>())], Meta);
        string path = dir.File("empty.parquet");

        await ParquetTableIO.WriteAsync(t, path);
        Table back = await ParquetTableIO.ReadAsync(path);

        Assert.Equal(0, back.RowCount);
        Assert.Equal(t.Schema, back.Schema);
        Assert.Equal(Meta, back.Metadata);
        Assert.Equal(0, await ParquetTableIO.CountRowsAsync(path));
        Assert.Empty(await ToListAsync(ParquetTableIO.ReadRowGroupsAsync(path)));
    }

    [Fact]
    public async Task MultipleRowGroupsReadWholeAndByGroup()
    {
        using var dir = new TempDir();
        Table t = TableFactory.Mixed(2_500, seed: 2, Meta);
        string path = dir.File("groups.parquet");

        await ParquetTableIO.WriteAsync(t, path, new ParquetWriteOptions { RowGroupSize = 1_000 });

        TableFactory.AssertSameData(t, await ParquetTableIO.ReadAsync(path));
        List<Table> groups = await ToListAsync(ParquetTableIO.ReadRowGroupsAsync(path));
        Assert.Equal([1_000, 1_000, 500], groups.Select(g => g.RowCount));
        Assert.All(groups, g => Assert.Equal(Meta, g.Metadata));
        TableFactory.AssertSameData(t, TableFactory.Concat(groups));
        Assert.Equal(2_500, await ParquetTableIO.CountRowsAsync(path));

        await using ParquetReader raw = await ParquetReader.CreateAsync(path);
        Assert.Equal(3, raw.RowGroupCount);
    }

    [Fact]
    public async Task ColumnNamesAreWhatPandasSees()
    {
        using var dir = new TempDir();
        string[] names = ["q_0", "p.1", "dH/dq", "energy error", "Δt"];
        Table t = TableFactory.Doubles(10, seed: 3, names);
        string path = dir.File("names.parquet");
        await ParquetTableIO.WriteAsync(t, path);

        // The raw footer schema (what pyarrow turns into DataFrame columns): a root group, then one
        // REQUIRED DOUBLE leaf per column, in table order, with no extra index column.
        await using (ParquetReader raw = await ParquetReader.CreateAsync(path))
        {
            var leaves = raw.Metadata!.Schema.Skip(1).ToList();
            Assert.Equal(names, leaves.Select(e => e.Name));
            Assert.All(leaves, e => Assert.Equal(Parquet.Meta.Type.DOUBLE, e.Type));
            Assert.All(leaves, e => Assert.Equal(Parquet.Meta.FieldRepetitionType.REQUIRED, e.RepetitionType));
            Assert.Equal(names.Length, raw.Metadata.Schema[0].NumChildren);
            Assert.Equal(names, raw.Schema.Fields.Select(f => f.Name));
        }

        Assert.Equal(names, (await ParquetTableIO.ReadSchemaAsync(path)).Select(c => c.Name));
    }

    [Fact]
    public async Task StreamingWriterAppendsChunksAndCommitsAtomically()
    {
        using var dir = new TempDir();
        string path = dir.File("stream.parquet");
        Table whole = TableFactory.Mixed(1_700, seed: 4);
        Table[] chunks = Enumerable.Range(0, 4).Select(i => Slice(whole, i * 500, Math.Min(500, 1_700 - i * 500))).ToArray();

        await using (ParquetTableWriter w = await ParquetTableWriter.CreateAsync(
                         path, whole.Schema, Meta, new ParquetWriteOptions { RowGroupSize = 400 }))
        {
            foreach (Table c in chunks)
            {
                await w.AppendAsync(c);
                Assert.False(File.Exists(path)); // nothing visible before commit
            }

            await Assert.ThrowsAsync<ArgumentException>(() => w.AppendAsync(TableFactory.Doubles(3, 0, "other")));
            w.SetMetadata("trajectories", "17");
            await w.CommitAsync();
            Assert.Equal(1_700, w.RowsWritten);
            Assert.Equal(7, w.RowGroupsWritten); // three 500-row chunks -> 400 + 100 each; the 200-row chunk -> 1 group
        }

        Table back = await ParquetTableIO.ReadAsync(path);
        TableFactory.AssertSameData(whole, back);
        Assert.Equal("17", back.Metadata["trajectories"]);
        Assert.Equal(["stream.parquet"], dir.AllFiles());
    }

    [Fact]
    public async Task DisposingWithoutCommitLeavesNothing()
    {
        using var dir = new TempDir();
        string path = dir.File("abandoned.parquet");
        Table t = TableFactory.Mixed(100, seed: 5);

        await using (ParquetTableWriter w = await ParquetTableWriter.CreateAsync(path, t.Schema))
        {
            await w.AppendAsync(t);
            Assert.True(File.Exists(w.TempPath));
        }

        Assert.Empty(dir.AllFiles());
    }

    [Fact]
    public async Task ReadsNullableColumnsAsWrittenByOtherTools()
    {
        // pandas/pyarrow write OPTIONAL columns; nulls in float columns read as NaN.
        using var dir = new TempDir();
        string path = dir.File("pandas.parquet");
        var x = new DataField<double?>("x");
        var f = new DataField<float>("f");
        var n = new DataField<long?>("n");
        await using (FileStream fs = File.Create(path))
        {
            await using ParquetWriter w = await ParquetWriter.CreateAsync(new ParquetSchema(x, f, n), fs);
            using ParquetRowGroupWriter rg = w.CreateRowGroup();
            await rg.WriteAsync<double>(x, new double?[] { 1.5, null, -2 });
            await rg.WriteAsync<float>(f, new[] { 0.5f, 1f, 2f });
            await rg.WriteAsync<long>(n, new long?[] { 1, 2, 3 });
        }

        Table t = await ParquetTableIO.ReadAsync(path);
        Assert.Equal([new ColumnSpec("x", ColumnType.Double), new ColumnSpec("f", ColumnType.Double), new ColumnSpec("n", ColumnType.Int64)], t.Schema);
        Assert.Equal(1.5, t.Column("x")[0]);
        Assert.True(double.IsNaN(t.Column("x")[1]));
        Assert.Equal([0.5, 1.0, 2.0], t.Column("f"));
        Assert.Equal([1L, 2L, 3L], t.Int64Column("n"));
    }

    [Fact]
    public async Task NotParquetIsRejected()
    {
        using var dir = new TempDir();
        string path = dir.File("junk.parquet");
        await File.WriteAllTextAsync(path, "this is certainly not a parquet file");
        await Assert.ThrowsAsync<InvalidDataException>(() => ParquetTableIO.ReadAsync(path));
    }

    private static Table Slice(Table t, int start, int count) => new(
        t.Columns.Select(c => c.Type switch
        {
            ColumnType.Double => new TableColumn(c.Name, ((double[])c.Values)[start..(start + count)]),
            ColumnType.Int64 => new TableColumn(c.Name, ((long[])c.Values)[start..(start + count)]),
            _ => new TableColumn(c.Name, ((int[])c.Values)[start..(start + count)]),
        }));

    private static async Task<List<T>> ToListAsync<T>(IAsyncEnumerable<T> source)
    {
        var list = new List<T>();
        await foreach (T item in source)
        {
            list.Add(item);
        }

        return list;
    }
}
