using Hnn.Cluster;
using Hnn.Datasets;
using Hnn.Pipeline.Data;
using Hnn.Stages.Model;
using Hnn.Stages.Numerics;
using Hnn.Stages.Training;
using Hnn.Tests.Pipeline;
using Orleans.TestingHost;
using Xunit;
using Xunit.Abstractions;

namespace Hnn.Tests.Cluster;

/// <summary>
/// The distributed TSQR on an in-process 3-silo cluster against the local structured solve (StructuredSolve.FitAsync)
/// with the same lanes, chunk rows and BLAS threads: the same network bit for bit (the promise: same partition, same
/// fixed merge tree, same BLAS threads per call, same library and kernel => the same floating-point operations).
/// </summary>
[Collection(CliCollection.Name)]
public sealed class DistributedTsqrTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Lanes_factored_on_three_silos_and_merged_in_the_fixed_tree_give_the_local_structured_solve_bit_for_bit()
    {
        await using TestCluster cluster = await TestClusters.StartAsync(3);
        var system = SystemRegistry.Create("mass-spring");
        // 3000 rows generated in stream chunks of 700 (lane boundaries fall inside chunks), 5 lanes (an odd count: the
        // tree carries the last factor up a level), 256-row blocks, width 150 (152 columns with the 2 x' components).
        var data = new GeneratedRows("mass-spring", new Dictionary<string, double>(system.Parameters), [-5, -5], [5, 5], 3943, 700);
        const int rows = 3000, lanes = 5, chunkRows = 256, width = 150;
        var rng = new Rng(Rng.Derive(992472, "test/hidden"));
        var hidden = new HiddenLayer(
            [.. Enumerable.Range(0, 2).Select(_ => Enumerable.Range(0, width).Select(_ => rng.NextUniform(-1, 1)).ToArray())],
            [.. Enumerable.Range(0, width).Select(_ => rng.NextUniform(-3, 3))]);
        var anchor = new Anchor([1, 0], 0);
        var la = TestClusters.Backend;
        var budget = new SolveBudget(2, 1);
        var settings = new StructuredSolveSettings(1e-13, chunkRows, lanes, Truncation.Default);

        var (x, dx) = data.Rows(0, rows);
        var local = await StructuredSolve.FitAsync(la, hidden, rows, StructuredSolve.FromArrays(hidden, x, dx, chunkRows), anchor, settings, budget,
            StructuredSolve.InOrder, null, null, CancellationToken.None);

        var job = new TsqrJob("test", hidden.Weights, hidden.Biases, data, rows, lanes, chunkRows, budget.LaneBlasThreads(lanes));
        var lines = new List<string>();
        var (fit, measured) = await Tsqr.FitAsync(cluster.Client, job, la.WithThreads(budget.SolveBlasThreads), anchor, settings.Rcond, settings.Truncation,
            l => lines.Add(l), CancellationToken.None);
        lines.ForEach(output.WriteLine);

        Assert.Equal(local.Rank, fit.Rank);
        Assert.Equal(local.Network.Coefficients.Select(BitConverter.DoubleToInt64Bits), fit.Network.Coefficients.Select(BitConverter.DoubleToInt64Bits));
        Assert.Equal(BitConverter.DoubleToInt64Bits(local.Network.OutputBias), BitConverter.DoubleToInt64Bits(fit.Network.OutputBias));
        // The lanes ran on all three silos; ceil(log2 5) = 3 merge levels (2, 1, 1 merges) plus the final R to the coordinator.
        Assert.Equal(3, measured.Lanes.Select(r => r.Silo).Distinct().Count());
        Assert.Equal(rows, measured.Lanes.Sum(r => r.Rows));
        Assert.Equal([2, 1, 1, 1], measured.Levels.Select(l => l.Merges));
        Assert.All(measured.Levels, l => Assert.Equal(l.Merges * 152L * 152 * sizeof(double), l.Bytes)); // square R factors (every lane has >= 152 rows)

        // And the solve is a real fit (not two equally wrong answers): H on fresh points. This random ELM-like layer of
        // width 150 gave a test rel. L2 error of 2.08e-4 (OpenBLAS Haswell, 2026-12-03); a sampled SWIM layer does far
        // better, but the point here is the equality above.
        var test = DataGenerator.Sample(system, new Domain([new Interval(-5, 5)], [new Interval(-5, 5)]), 500, 7);
        var h = fit.Network.Energy(test.X);
        var err = Math.Sqrt(h.Zip(test.H, (a, b) => (a - b) * (a - b)).Sum() / test.H.Sum(v => v * v));
        output.WriteLine($"rank {fit.Rank}, test rel. L2 error of H {err:e2}");
        Assert.True(err < 1e-3, $"test error {err:e2}");
    }

    [Fact]
    public void The_regenerated_rows_are_the_pipelines_streamed_rows()
    {
        // GeneratedRows must draw chunk c from the seed the pipeline's streamed generation uses (StreamedData.ChunkSeed).
        foreach (var c in new[] { 0, 1, 17, 4095 })
        {
            Assert.Equal(StreamedData.ChunkSeed(3943, c), GeneratedRows.ChunkSeed(3943, c));
        }

        // Any slice equals the same rows of the whole stream (a lane regenerates only the chunks it overlaps).
        var data = new GeneratedRows("mass-spring", new Dictionary<string, double>(SystemRegistry.Create("mass-spring").Parameters), [-5, -5], [5, 5], 3943, 70);
        var (x, _) = data.Rows(0, 300);
        var (xs, _) = data.Rows(65, 211);
        Assert.Equal(x[1].Skip(65).Take(146), xs[1]);
    }
}
