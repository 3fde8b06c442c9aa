using Hnn.Cluster;
using Hnn.Datasets;
using Hnn.Stages.Model;
using Hnn.Stages.Training;
using Hnn.Tests.Pipeline;
using Orleans.TestingHost;
using Xunit;
using Xunit.Abstractions;

namespace Hnn.Tests.Cluster;

/// <summary>
/// A silo killed (no goodbye) during a distributed TSQR: the lanes and merges whose factors it held are redone on the
/// silos left, and the network is bit for bit the one of the same TSQR on an intact cluster (and of the local
/// structured solve with the same partition).
/// </summary>
[Collection(CliCollection.Name)]
public sealed class TsqrFaultTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_silo_killed_during_the_factorisation_has_its_pieces_redone_and_the_result_is_bit_identical()
    {
        var system = SystemRegistry.Create("mass-spring");
        var data = new GeneratedRows("mass-spring", new Dictionary<string, double>(system.Parameters), [-5, -5], [5, 5], 3943, 1000);
        // 9 lanes over 3 silos (3 each; pairs of the tree sit on different silos), 12000 rows, width 160.
        const int rows = 12_000, lanes = 9, chunkRows = 256, width = 160;
        var hidden = FileTsqrTests.RandomLayer(2, width, "test/tsqr-fault");
        var anchor = new Anchor([1, 0], 0);
        var la = TestClusters.Backend;
        var budget = new SolveBudget(2, 1);
        var (x, dx) = data.Rows(0, rows);
        var local = await StructuredSolve.FitAsync(la, hidden, rows, StructuredSolve.FromArrays(hidden, x, dx, chunkRows), anchor,
            new StructuredSolveSettings(1e-13, chunkRows, lanes, Truncation.Default), budget, StructuredSolve.InOrder, null, null, CancellationToken.None);

        await using TestCluster cluster = await TestClusters.StartAsync(3);
        var primary = cluster.Primary!.SiloAddress.ToString();
        Task? kill = null;
        string? victim = null;
        var lines = new List<string>();
        void Log(string line)
        {
            Task? killing = null;
            lock (lines)
            {
                lines.Add(line);
                // The first lane a secondary silo reports: kill that silo now (its other lanes are absorbing or hold factors).
                if (kill is null && line.Contains(" absorbed on silo ", StringComparison.Ordinal))
                {
                    var silo = cluster.GetActiveSilos().FirstOrDefault(s => s.SiloAddress.ToString() != primary && line.Contains(s.SiloAddress.ToString(), StringComparison.Ordinal));
                    if (silo is not null)
                    {
                        victim = silo.SiloAddress.ToString();
                        kill = killing = cluster.KillSiloAsync(silo);
                    }
                }
            }

            // The lane's factor is handed to the tree only after its silo is dead (this log line comes before the lane's
            // result is returned), so some merge must need a factor that is gone: a redo is certain, not a race against
            // a fast tree (it was: under load the whole QR could finish before the kill).
            killing?.GetAwaiter().GetResult();
        }

        var job = new TsqrJob("fault", hidden.Weights, hidden.Biases, data, rows, lanes, chunkRows, budget.LaneBlasThreads(lanes));
        var (fit, measured) = await Tsqr.FitAsync(cluster.Client, job, la.WithThreads(budget.SolveBlasThreads), anchor, 1e-13, Truncation.Default, Log, CancellationToken.None)
            .WaitAsync(TimeSpan.FromMinutes(3));
        await (kill ?? Task.CompletedTask);
        lines.ForEach(output.WriteLine);

        Assert.NotNull(victim);
        Assert.True(measured.Redone > 0, "nothing was redone: " + string.Join("\n", lines));
        Assert.Contains(lines, l => l.Contains("redoing it on the live silos", StringComparison.Ordinal));
        // The factor of every lane of the final tree was computed on a live silo.
        Assert.Equal(rows, measured.Lanes.Sum(r => r.Rows));
        Assert.Equal(local.Rank, fit.Rank);
        Assert.Equal(local.Network.Coefficients.Select(BitConverter.DoubleToInt64Bits), fit.Network.Coefficients.Select(BitConverter.DoubleToInt64Bits));
        Assert.Equal(BitConverter.DoubleToInt64Bits(local.Network.OutputBias), BitConverter.DoubleToInt64Bits(fit.Network.OutputBias));
    }
}
