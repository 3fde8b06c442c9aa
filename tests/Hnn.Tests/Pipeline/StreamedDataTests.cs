using Hnn.Datasets;
using Hnn.Pipeline.Data;
using Hnn.Pipeline.Execution;
using Hnn.Pipeline.Planning;
using Hnn.Pipeline.Store;
using Hnn.Stages.Numerics;
using Hnn.Stages.Sampling;
using Hnn.Stages.Training;
using Xunit;

namespace Hnn.Tests.Pipeline;

/// <summary>
/// The streamed data path (data.stream_rows): the same rows read back from Parquet row groups give the same hidden
/// layers, the same fit and the same errors as the in-memory path on those rows.
/// </summary>
public sealed class StreamedDataTests : IDisposable
{
    // Row groups of 700 rows: fit blocks (256 rows, the first one 256 + ...) straddle group boundaries on purpose.
    private const int GroupRows = 700;
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "hnn-stream-tests-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    private async Task<(DataSet Data, StreamedData Streamed)> DoublePendulumAsync(int rows, int testRows = 0)
    {
        var system = SystemRegistry.Create("double-pendulum");
        var domain = new Domain([new Interval(-Math.PI, Math.PI), new Interval(-Math.PI, Math.PI)], [new Interval(-1, 1), new Interval(-1, 1)]);
        var data = DataGenerator.Sample(system, domain, rows + testRows, 3943);
        var path = Path.Combine(_dir, "data.parquet");
        var table = Codecs.FromDataSet(data);
        var writer = await ParquetTableWriter.CreateAsync(path, table.Schema, null, new ParquetWriteOptions { RowGroupSize = GroupRows });
        await using (writer)
        {
            await writer.AppendAsync(table);
            await writer.CommitAsync();
        }

        return (data, new StreamedData(path, system.Dof, rows, testRows));
    }

    [Fact]
    public async Task Streamed_fit_is_bit_for_bit_the_in_memory_fit_on_the_same_rows()
    {
        var (data, streamed) = await DoublePendulumAsync(3000);
        var hidden = SwimStages.Sample(data.X, null, 60, 992472);
        var anchor = new Anchor(new double[4], -3);
        var la = new ManagedLinearAlgebra();

        // Each lane reads its own contiguous rows from the row groups and cuts them into the in-memory fit's blocks,
        // so the floating-point operations are the same ones in the same order: equality is exact.
        var inMemory = await ParallelFit.FitAsync(la, hidden, data.X, data.Dx, anchor, 1e-13, 256, 3, new ComputeBudget(2, 1), null, CancellationToken.None);
        var fromDisk = await ParallelFit.FitStreamedAsync(la, hidden, 3000, (a, b, ct) => streamed.ReadAsync(a, b, ct), anchor, 1e-13, 256, 3, new ComputeBudget(2, 1), null, CancellationToken.None);
        Assert.Equal(inMemory.Rank, fromDisk.Rank);
        Assert.Equal(inMemory.Network.Coefficients, fromDisk.Network.Coefficients);
        Assert.Equal(inMemory.Network.OutputBias, fromDisk.Network.OutputBias);
    }

    [Fact]
    public async Task Swim_family_from_indices_gives_the_in_memory_hidden_layers()
    {
        var (data, streamed) = await DoublePendulumAsync(2000);
        const int width = 50;
        const ulong seed = 992472;
        var bias = (-Math.PI, Math.PI);

        // U-SWIM reads back only the 2N points of the selected pairs; uncapped, the pairs are the in-memory ones.
        var u = await USwim.Instance.DrawStreamedAsync(streamed, width, seed, int.MaxValue, bias, CancellationToken.None);
        AssertSameLayer(SwimStages.Sample(data.X, null, width, seed), u);

        // SWIM: y = the stored true H at every candidate's points.
        var s = await Swim.Instance.DrawStreamedAsync(streamed, width, seed, int.MaxValue, bias, CancellationToken.None);
        AssertSameLayer(SwimStages.Sample(data.X, data.H, width, seed), s);

        // A-SWIM's second stage: y = H-hat of a first network at the candidates' points.
        var first = (await ParallelFit.FitAsync(new ManagedLinearAlgebra(), u, data.X, data.Dx, new Anchor(new double[4], -3), 1e-13, 512, 1, new ComputeBudget(1, 1), null, CancellationToken.None)).Network;
        var a = await ASwim.Instance.RedrawStreamedAsync(streamed, first, width, seed, int.MaxValue, CancellationToken.None);
        AssertSameLayer(SwimStages.Sample(data.X, first.Energy(data.X), width, seed), a); // the in-memory second stage
    }

    [Fact]
    public async Task Separable_swim_family_from_indices_gives_the_in_memory_separable_layers()
    {
        var (data, streamed) = await DoublePendulumAsync(2000);
        const int width = 51;
        const ulong seed = 992472;
        var layer = new SeparableLayer(0.5, 0.125);
        var u = await USwim.Instance.DrawStreamedAsync(streamed, width, seed, int.MaxValue, null, CancellationToken.None, separable: layer);
        AssertSameLayer(SwimStages.SampleSeparable(data.X, null, width, seed, layer), u);
        var s = await Swim.Instance.DrawStreamedAsync(streamed, width, seed, int.MaxValue, null, CancellationToken.None, separable: layer);
        AssertSameLayer(SwimStages.SampleSeparable(data.X, data.H, width, seed, layer), s);
        var first = (await ParallelFit.FitAsync(new ManagedLinearAlgebra(), u, data.X, data.Dx, new Anchor(new double[4], -3), 1e-13, 512, 1, new ComputeBudget(1, 1), null, CancellationToken.None)).Network;
        var a = await ASwim.Instance.RedrawStreamedAsync(streamed, first, width, seed, int.MaxValue, CancellationToken.None, separable: layer);
        AssertSameLayer(SwimStages.SampleSeparable(data.X, first.Energy(data.X), width, seed, layer), a);
    }

    [Fact]
    public void Capped_candidates_are_the_uncapped_draw_when_the_cap_is_not_binding_and_capped_otherwise()
    {
        var full = CandidatePairs.Draw(1000, 50, 7);
        Assert.Equal(full.From, CandidatePairs.Draw(1000, 50, 7, 1000).From);
        Assert.Equal(full.To, CandidatePairs.Draw(1000, 50, 7, 5000).To);
        var capped = CandidatePairs.Draw(1000, 50, 7, 200);
        Assert.Equal(200, capped.Count);
        Assert.All(Enumerable.Range(0, 200), k => Assert.NotEqual(capped.From[k], capped.To[k]));
        Assert.Throws<ArgumentOutOfRangeException>(() => CandidatePairs.Draw(1000, 50, 7, 49));
    }

    [Fact]
    public async Task Rows_by_index_and_streamed_evaluation_match_memory()
    {
        var (data, streamed) = await DoublePendulumAsync(2500, 900);
        int[] rows = [0, 1, 699, 700, 701, 1399, 2499];
        var points = await streamed.ReadPointsAsync(rows, CancellationToken.None);
        for (var j = 0; j < rows.Length; j++)
        {
            Assert.Equal(data.H[rows[j]], points.H![j]);
            Assert.Equal(data.X[3][rows[j]], points.X[3][j]);
        }

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => streamed.ReadPointsAsync([2500], CancellationToken.None));

        var hidden = SwimStages.Sample(data.X, null, 40, 1);
        var train = DataSplit.Take(data, [.. Enumerable.Range(0, 2500)]);
        var test = DataSplit.Take(data, [.. Enumerable.Range(2500, 900)]);
        var network = (await ParallelFit.FitAsync(new ManagedLinearAlgebra(), hidden, train.X, train.Dx, new Anchor(new double[4], -3), 1e-13, 512, 1, new ComputeBudget(1, 1), null, CancellationToken.None)).Network;

        // Chunk sums are merged in another grouping than in memory (per row group, then 4096-row pieces), so only the
        // summation order differs: relative agreement to a few ulps of the sums.
        var expected = ParallelChunks.Evaluate(network, test.X, test.Dx, test.H, 2, CancellationToken.None);
        var actual = await ParallelChunks.EvaluateStreamedAsync(network, streamed.TestAsync(CancellationToken.None), 2, CancellationToken.None);
        Assert.Equal(expected.Count, actual.Count);
        Assert.Equal(expected.H, actual.H, expected.H * 1e-12);
        Assert.Equal(expected.GradH, actual.GradH, expected.GradH * 1e-12);
    }

    private static void AssertSameLayer(Hnn.Stages.Model.HiddenLayer expected, Hnn.Stages.Model.HiddenLayer actual)
    {
        Assert.Equal(expected.Biases, actual.Biases);
        for (var i = 0; i < expected.InputDim; i++)
        {
            Assert.Equal(expected.Weights[i], actual.Weights[i]);
        }
    }
}
