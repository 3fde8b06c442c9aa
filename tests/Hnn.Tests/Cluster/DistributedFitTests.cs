using Hnn.Datasets;
using Hnn.Tests.Pipeline;
using Orleans.TestingHost;
using Xunit;
using Xunit.Abstractions;

namespace Hnn.Tests.Cluster;

/// <summary>
/// run.distributed_fit on an in-process 3-silo cluster: every structured fit's TSQR runs as lanes spread over the silos
/// (coordinated by the silo that runs the experiment) and the run gives the local run's artifacts byte for byte and
/// its results bit for bit — for generated streamed data (lanes regenerate their rows from the data seed) and for a
/// data file (lanes read the load and split artifacts of the shared store).
/// </summary>
[Collection(CliCollection.Name)]
public sealed class DistributedFitTests(ITestOutputHelper output)
{
    private const string Streamed = """
        name: streamed-dfit
        system: {name: mass-spring}
        domain: {q: [[-5, 5]], p: [[-5, 5]]}
        data: {train: 3000, test: 500, seed: 3943, stream_rows: 1024}
        anchor: {x0: [1, 0], h0: 0}
        model: {methods: [elm, a-swim], widths: [100], seeds: [992472], rcond: 1.0e-13}
        solver: {backend: auto, mode: structured, lanes: 3, chunk_rows: 512}
        """;

    private const string FromFile = """
        name: file-dfit
        data: {file: rows.csv, train: 1500, test: 300, seed: 5}
        anchor: {x0: [1, 0], h0: 0}
        model: {methods: [elm, u-swim], widths: [80], seeds: [992472], rcond: 1.0e-13}
        solver: {backend: auto, mode: structured, lanes: 3, chunk_rows: 256}
        """;

    [Fact]
    public async Task Fits_with_their_QR_spread_over_three_silos_give_the_local_runs_numbers_for_streamed_data_and_a_data_file()
    {
        await using TestCluster cluster = await TestClusters.StartAsync(3);
        using var box = new CliSandbox();
        // The data file: 2000 mass-spring observations (q, p, dq, dp, H), written here.
        var data = DataGenerator.Sample(SystemRegistry.Create("mass-spring"), new Domain([new Interval(-5, 5)], [new Interval(-5, 5)]), 2000, 11);
        File.WriteAllLines(Path.Combine(box.Root, "rows.csv"), [
            "q1,p1,dq1,dp1,H",
            .. Enumerable.Range(0, data.Count).Select(k => FormattableString.Invariant($"{data.X[0][k]:R},{data.X[1][k]:R},{data.Dx[0][k]:R},{data.Dx[1][k]:R},{data.H[k]:R}")),
        ]);

        foreach (var (name, yaml, fits) in new[] { ("streamed.yaml", Streamed, 3), ("file.yaml", FromFile, 2) })
        {
            var pipeline = box.Write(name, yaml);
            var localStore = Path.Combine(box.Root, name + ".local");
            var clusterStore = Path.Combine(box.Root, name + ".cluster");
            var l = await CliSandbox.InvokeAsync(["run", pipeline, "--store", localStore, "--no-report"]);
            Assert.True(l.ExitCode == 0, l.ToString());
            TestClusters.SiloLog.Clear();
            var running = CliSandbox.InvokeAsync(["run", pipeline, "--store", clusterStore, "--no-report", "--cluster", TestClusters.Address(cluster), "--set", "run.distributed_fit=true"]);
            if (await Task.WhenAny(running, Task.Delay(TimeSpan.FromMinutes(3))) != running)
            {
                Assert.Fail($"{name}: the distributed run did not end within 3 minutes; the silos logged:\n" + string.Join("\n", TestClusters.SiloLog));
            }

            var d = await running;
            Assert.True(d.ExitCode == 0, d.ToString());
            var silo = TestClusters.SiloLog.ToArray();
            foreach (var line in silo.Where(s => s.Contains("tsqr", StringComparison.Ordinal) || s.Contains("distributed TSQR", StringComparison.Ordinal)))
            {
                output.WriteLine(line);
            }

            // Every fit (elm; a-swim's two; or elm and u-swim) went through the distributed TSQR, with lanes on more than one silo.
            Assert.Equal(fits, silo.Count(s => s.Contains("distributed TSQR of", StringComparison.Ordinal)));
            var laneSilos = silo.Where(s => s.Contains(" absorbed on silo ", StringComparison.Ordinal))
                .Select(s => s[(s.IndexOf(" absorbed on silo ", StringComparison.Ordinal) + 18)..].Split(':')[0..3]).Select(p => string.Join(':', p)).Distinct().Count();
            Assert.True(laneSilos >= 2, $"{name}: the lanes ran on {laneSilos} silo(s)");

            Assert.Equal(TestClusters.ArtifactHashes(localStore), TestClusters.ArtifactHashes(clusterStore));
            CliSandbox.AssertSameNumbers(CliSandbox.Numbers(Directory.GetDirectories(Path.Combine(localStore, "runs")).Single()),
                CliSandbox.Numbers(Directory.GetDirectories(Path.Combine(clusterStore, "runs")).Single()));
        }
    }

    [Fact]
    public async Task Distributed_fit_without_the_orleans_executor_is_a_one_line_input_error()
    {
        using var box = new CliSandbox();
        var pipeline = box.Write("p.yaml", CliSandbox.SmallPipeline);
        var r = await CliSandbox.InvokeAsync(["run", pipeline, "--store", box.StoreRoot, "--no-report", "--set", "run.distributed_fit=true"]);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("run.distributed_fit", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("only with run.executor: orleans", r.Stderr, StringComparison.Ordinal);
        var bad = await CliSandbox.InvokeAsync(["run", pipeline, "--store", box.StoreRoot, "--no-report", "--set", "run.distributed_fit=yes"]);
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("run.distributed_fit", bad.Stderr, StringComparison.Ordinal);
    }
}
