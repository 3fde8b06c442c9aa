using Hnn.Cluster;
using Hnn.Datasets;
using Hnn.Pipeline.Cli;
using Hnn.Pipeline.Data;
using Hnn.Pipeline.Execution;
using Hnn.Pipeline.Store;
using Hnn.Stages.Model;
using Hnn.Stages.Numerics;
using Hnn.Stages.Training;
using Hnn.Tests.Pipeline;
using Orleans.TestingHost;
using Xunit;
using Xunit.Abstractions;

namespace Hnn.Tests.Cluster;

/// <summary>
/// The distributed TSQR over a Parquet file of rows (the streamed artifact's layout) on an in-process 3-silo cluster:
/// every silo reads the row groups of its lanes (no row is sent), and the network is the local streamed structured
/// fit's over the same file (ParallelFit.FitStreamedAsync) bit for bit — the promise: same lanes, chunk rows, BLAS
/// threads per lane and merge tree, same BLAS library and kernel.
/// </summary>
[Collection(CliCollection.Name)]
public sealed class FileTsqrTests(ITestOutputHelper output)
{
    internal static HiddenLayer RandomLayer(int inputs, int width, string label)
    {
        var rng = new Rng(Rng.Derive(992472, label));
        return new HiddenLayer(
            [.. Enumerable.Range(0, inputs).Select(_ => Enumerable.Range(0, width).Select(_ => rng.NextUniform(-1, 1)).ToArray())],
            [.. Enumerable.Range(0, width).Select(_ => rng.NextUniform(-3, 3))]);
    }

    /// <summary>Generated mass-spring rows written as the streamed path writes them: one row group per chunk.</summary>
    internal static async Task<string> WriteRowsAsync(string dir, int rows, int chunk)
    {
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, "rows.parquet");
        var system = SystemRegistry.Create("mass-spring");
        var schema = DataSet.ColumnNames(1).Select(n => new ColumnSpec(n, ColumnType.Double)).ToArray();
        await using var writer = await ParquetTableWriter.CreateAsync(path, schema);
        await StreamedData.WriteGeneratedAsync(writer, system, new Domain([new Interval(-5, 5)], [new Interval(-5, 5)]), rows, chunk, 3943, 1, null, CancellationToken.None);
        await writer.CommitAsync();
        return path;
    }

    [Fact]
    public async Task Lanes_reading_their_row_groups_on_three_silos_give_the_local_streamed_fit_bit_for_bit()
    {
        await using TestCluster cluster = await TestClusters.StartAsync(3);
        using var box = new CliSandbox();
        // 3000 rows in row groups of 1100 (lane boundaries fall inside groups), 4 lanes, 256-row blocks, width 120.
        const int rows = 3000, lanes = 4, chunkRows = 256, width = 120;
        var path = await WriteRowsAsync(box.Root, rows, 1100);
        var hidden = RandomLayer(2, width, "test/file-tsqr");
        var anchor = new Anchor([1, 0], 0);
        var la = TestClusters.Backend;
        var budget = new ComputeBudget(2, 1);
        var stream = new StreamedData(path, 1, rows, 0);
        var local = await ParallelFit.FitStreamedAsync(la, hidden, rows, (a, b, c) => stream.ReadAsync(a, b, c), anchor, 1e-13, chunkRows, lanes, budget, null,
            CancellationToken.None, truncation: Truncation.Default);

        var file = await ParquetRowSource.DescribeAsync(path, 1, null, CancellationToken.None);
        Assert.Equal(rows, file.FileRowCount);
        var job = new TsqrJob("file", hidden.Weights, hidden.Biases, null, rows, lanes, chunkRows, budget.LaneBlasThreads(lanes), file);
        var lines = new List<string>();
        var (fit, measured) = await Tsqr.FitAsync(cluster.Client, job, la.WithThreads(budget.SolveBlasThreads), anchor, 1e-13, Truncation.Default,
            l => { lock (lines) { lines.Add(l); } }, CancellationToken.None);
        lines.ForEach(output.WriteLine);

        Assert.Equal(local.Rank, fit.Rank);
        Assert.Equal(local.Network.Coefficients.Select(BitConverter.DoubleToInt64Bits), fit.Network.Coefficients.Select(BitConverter.DoubleToInt64Bits));
        Assert.Equal(BitConverter.DoubleToInt64Bits(local.Network.OutputBias), BitConverter.DoubleToInt64Bits(fit.Network.OutputBias));
        Assert.Equal(3, measured.Lanes.Select(r => r.Silo).Distinct().Count());
        Assert.Equal(rows, measured.Lanes.Sum(r => r.Rows));
        Assert.Equal([2, 1, 1], measured.Levels.Select(l => l.Merges));
        Assert.Equal(0, measured.Redone);
        Assert.Contains(lines, l => l.Contains("lane 3 absorbed on silo", StringComparison.Ordinal));

        // A real fit (not two equally wrong answers): H on fresh points. This random layer of width 120 on these rows gave
        // a test rel. L2 error of about 1e-4 (OpenBLAS Haswell, 2026-12-03); the bound is loose on purpose.
        var system = SystemRegistry.Create("mass-spring");
        var test = DataGenerator.Sample(system, new Domain([new Interval(-5, 5)], [new Interval(-5, 5)]), 500, 7);
        var h = fit.Network.Energy(test.X);
        var err = Math.Sqrt(h.Zip(test.H, (a, b) => (a - b) * (a - b)).Sum() / test.H.Sum(v => v * v));
        output.WriteLine($"rank {fit.Rank}, test rel. L2 error of H {err:e2}");
        Assert.True(err < 1e-2, $"test error {err:e2}");

        // A silo that sees another file (here: the coordinator's view says one byte more) refuses, naming the file.
        var wrong = job with { Id = "wrong", File = file with { Bytes = file.Bytes + 1 } };
        var e = await Assert.ThrowsAnyAsync<Exception>(() => Tsqr.FitAsync(cluster.Client, wrong, la, anchor, 1e-13, Truncation.Default, _ => { }, CancellationToken.None));
        Assert.Contains("is it the same file on every machine?", e.Message, StringComparison.Ordinal);
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
    }
}
