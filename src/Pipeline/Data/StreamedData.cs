using System.Runtime.CompilerServices;
using System.Threading.Channels;
using System.Threading.Tasks.Dataflow;
using Hnn.Datasets;
using Hnn.Pipeline.Store;
using Hnn.Stages.Sampling;

namespace Hnn.Pipeline.Data;

/// <summary>
/// A data set kept on disk: one Parquet artifact (columns q.., p.., dq.., dp.., H) written chunk by chunk, whose rows
/// [0, TrainRows) are the training set and [TrainRows, TrainRows + TestRows) the test set. Readers stream consecutive
/// rows with bounded read-ahead or fetch rows by index, reading only the row groups that hold them; nothing here holds
/// more than a few row groups at a time.
/// </summary>
public sealed class StreamedData
{
    /// <summary>Row groups read ahead of the consumer by <see cref="ReadAsync"/>.</summary>
    public const int DefaultReadAhead = 2;

    public StreamedData(string path, int dof, int trainRows, int testRows)
    {
        Path = path;
        Dof = dof;
        TrainRows = trainRows;
        TestRows = testRows;
    }

    public string Path { get; }

    public int Dof { get; }

    public int TrainRows { get; }

    public int TestRows { get; }

    /// <summary>
    /// Generates <paramref name="total"/> points chunk by chunk — chunk c (rows [c R, (c + 1) R), R = rows per chunk)
    /// from <c>Rng.Derive(seed, "generate/c")</c> — computing chunks in parallel (bounded) and appending them in order.
    /// </summary>
    public static async Task WriteGeneratedAsync(
        ParquetTableWriter writer, HamiltonianSystem system, Domain domain, int total, int chunkRows, ulong seed, int degree,
        IProgress<long>? progress, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(writer);
        var chunks = (total + chunkRows - 1) / chunkRows;
        var options = new ExecutionDataflowBlockOptions
        {
            MaxDegreeOfParallelism = Math.Max(1, degree),
            BoundedCapacity = Math.Max(1, degree),
            EnsureOrdered = true,
            CancellationToken = ct,
        };
        var generate = new TransformBlock<int, Table>(
            c =>
            {
                var count = Math.Min(chunkRows, total - (c * chunkRows));
                var data = DataGenerator.Sample(system, domain, count, ChunkSeed(seed, c));
                return Execution.Codecs.FromDataSet(data);
            },
            options);
        long written = 0;
        var append = new ActionBlock<Table>(
            async t =>
            {
                await writer.AppendAsync(t, ct).ConfigureAwait(false);
                progress?.Report(written += t.RowCount);
            },
            new ExecutionDataflowBlockOptions { BoundedCapacity = 2, CancellationToken = ct });
        generate.LinkTo(append, new DataflowLinkOptions { PropagateCompletion = true });
        for (var c = 0; c < chunks; c++)
        {
            await generate.SendAsync(c, ct).ConfigureAwait(false);
        }

        generate.Complete();
        await append.Completion.ConfigureAwait(false);
        await generate.Completion.ConfigureAwait(false);
    }

    /// <summary>The seed of generated chunk <paramref name="chunk"/>.</summary>
    public static ulong ChunkSeed(ulong seed, int chunk) =>
        Rng.Derive(seed, string.Create(System.Globalization.CultureInfo.InvariantCulture, $"generate/{chunk}"));

    /// <summary>The training rows, in order.</summary>
    public IAsyncEnumerable<DataChunk> TrainAsync(CancellationToken ct) => ReadAsync(0, TrainRows, ct);

    /// <summary>The test rows, in order (Start counts from the first test row).</summary>
    public IAsyncEnumerable<DataChunk> TestAsync(CancellationToken ct) => ReadAsync(TrainRows, TrainRows + TestRows, ct);

    /// <summary>
    /// Rows [start, end) as consecutive chunks (row groups cut to the range), read by a background task at most
    /// <paramref name="readAhead"/> chunks ahead of the consumer. Chunk starts are relative to <paramref name="start"/>.
    /// </summary>
    public async IAsyncEnumerable<DataChunk> ReadAsync(long start, long end, [EnumeratorCancellation] CancellationToken ct, int readAhead = DefaultReadAhead)
    {
        if (start >= end)
        {
            yield break;
        }

        var channel = Channel.CreateBounded<DataChunk>(new BoundedChannelOptions(readAhead) { SingleReader = true, SingleWriter = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var producer = Task.Run(
            async () =>
            {
                try
                {
                    await foreach (var chunk in ReadInOrderAsync(start, end, stop.Token).ConfigureAwait(false))
                    {
                        await channel.Writer.WriteAsync(chunk, stop.Token).ConfigureAwait(false);
                    }

                    channel.Writer.Complete();
                }
                catch (Exception e)
                {
                    channel.Writer.Complete(e);
                }
            },
            stop.Token);
        try
        {
            await foreach (var chunk in channel.Reader.ReadAllAsync(ct).ConfigureAwait(false))
            {
                yield return chunk;
            }
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            try
            {
                await producer.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // the consumer stopped early
            }
        }
    }

    /// <summary>
    /// Rows [start, end) as consecutive chunks (row groups cut to the range) read in the consumer's own time, one row group
    /// at a time and nothing ahead: for a pass whose work per row is small (the separable U-SWIM's pair distances), where
    /// read-ahead would only hold more groups in memory. Chunk starts are relative to <paramref name="start"/>.
    /// </summary>
    public async IAsyncEnumerable<DataChunk> ReadInOrderAsync(long start, long end, [EnumeratorCancellation] CancellationToken ct)
    {
        if (start >= end)
        {
            yield break;
        }

        var file = await ParquetTableIO.OpenRowGroupsAsync(Path, ct).ConfigureAwait(false);
        await using (file.ConfigureAwait(false))
        {
            for (var g = file.GroupOf(start); g < file.GroupRows.Count && file.GroupStart(g) < end; g++)
            {
                var table = await file.ReadGroupAsync(g, ct).ConfigureAwait(false);
                var g0 = file.GroupStart(g);
                var from = (int)(Math.Max(start, g0) - g0);
                var to = (int)(Math.Min(end, g0 + table.RowCount) - g0);
                yield return Slice(table, from, to, g0 + from - start);
            }
        }
    }

    /// <summary>
    /// The training points at <paramref name="rows"/> (ascending, distinct, each &lt; TrainRows) and their stored H, reading
    /// only the row groups that contain them.
    /// </summary>
    public async Task<PointSubset> ReadPointsAsync(int[] rows, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var dim = 2 * Dof;
        var x = new double[dim][];
        for (var i = 0; i < dim; i++)
        {
            x[i] = new double[rows.Length];
        }

        var h = new double[rows.Length];
        var names = DataSet.ColumnNames(Dof);
        var file = await ParquetTableIO.OpenRowGroupsAsync(Path, ct).ConfigureAwait(false);
        await using (file.ConfigureAwait(false))
        {
            for (var j = 0; j < rows.Length;)
            {
                if (rows[j] >= TrainRows)
                {
                    throw new ArgumentOutOfRangeException(nameof(rows), rows[j], $"row {rows[j]} is not a training row (there are {TrainRows})");
                }

                var g = file.GroupOf(rows[j]);
                var table = await file.ReadGroupAsync(g, ct).ConfigureAwait(false);
                var g0 = file.GroupStart(g);
                var cols = Enumerable.Range(0, dim).Select(i => table.Column(names[i])).ToArray();
                var hc = table.Column("H");
                for (; j < rows.Length && rows[j] < g0 + table.RowCount; j++)
                {
                    var local = (int)(rows[j] - g0);
                    for (var i = 0; i < dim; i++)
                    {
                        x[i][j] = cols[i][local];
                    }

                    h[j] = hc[local];
                }
            }
        }

        return new PointSubset(rows, x, h);
    }

    private DataChunk Slice(Table table, int from, int to, long start)
    {
        var names = DataSet.ColumnNames(Dof);
        var dim = 2 * Dof;
        double[] Cut(string name)
        {
            var c = table.Column(name);
            return from == 0 && to == c.Length ? c : c[from..to];
        }

        return new DataChunk(
            start,
            [.. Enumerable.Range(0, dim).Select(i => Cut(names[i]))],
            [.. Enumerable.Range(0, dim).Select(i => Cut(names[dim + i]))],
            Cut("H"));
    }
}
