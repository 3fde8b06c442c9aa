using Hnn.Tests.Pipeline;
using Orleans.TestingHost;
using Xunit;
using Xunit.Abstractions;

namespace Hnn.Tests.Cluster;

/// <summary>
/// The Orleans executor (run.executor: orleans) against an in-process 3-silo cluster: the reduced quickstart as a
/// two-variant sweep gives the local executor's artifacts byte for byte and its results bit for bit, spread over
/// more than one silo, and a rerun is fully cached.
/// </summary>
[Collection(CliCollection.Name)]
public sealed class ClusterExecutorTests(ITestOutputHelper output)
{
    /// <summary>The quickstart (all four methods, rollouts with four integrators) at test size, swept over two rconds.</summary>
    internal static readonly string[] Reduced =
    [
        "data.train=1000", "data.test=200", "model.widths=[200]", "rollout.steps=200",
        "sweep={model.rcond: [1.0e-10, 1.0e-13]}",
    ];

    [Fact]
    public async Task The_quickstart_sweep_on_three_silos_gives_the_local_numbers_and_reruns_from_the_cache()
    {
        await using TestCluster cluster = await TestClusters.StartAsync(3);
        using var local = new CliSandbox();
        using var distributed = new CliSandbox();
        var pipeline = Path.Combine(RepoRoot.Find(), "pipelines", "quickstart.yaml");
        string[] args(CliSandbox box, params string[] extra) => ["run", pipeline, "--store", box.StoreRoot, "--no-report", .. Reduced.SelectMany(s => new[] { "--set", s }), .. extra];

        var l = await CliSandbox.InvokeAsync(args(local));
        Assert.True(l.ExitCode == 0, l.ToString());
        while (TestClusters.Started.TryDequeue(out _))
        {
        }

        var d = await CliSandbox.InvokeAsync(args(distributed, "--cluster", TestClusters.Address(cluster)));
        output.WriteLine(d.Stderr);
        Assert.True(d.ExitCode == 0, d.ToString());

        // 2 variants x (1 prepare call + 4 experiments), and the experiments ran on more than one silo.
        var calls = TestClusters.Started.ToArray();
        Assert.Equal(10, calls.Length);
        Assert.True(calls.Where(c => c.Index >= 0).Select(c => c.Silo).Distinct().Count() >= 2, "every experiment ran on one silo: " + string.Join(", ", calls));
        Assert.Contains("cluster: 4/4 done:", d.Stderr, StringComparison.Ordinal);

        // Same artifacts (byte for byte: data, layers, fits, evaluations, rollouts) and the same results.
        Assert.Equal(TestClusters.ArtifactHashes(local.StoreRoot), TestClusters.ArtifactHashes(distributed.StoreRoot));
        var localRuns = local.RunDirectories();
        var clusterRuns = distributed.RunDirectories();
        Assert.Equal(2, localRuns.Count);
        Assert.Equal(2, clusterRuns.Count);
        for (var i = 0; i < 2; i++)
        {
            CliSandbox.AssertSameNumbers(CliSandbox.Numbers(localRuns[i]), CliSandbox.Numbers(clusterRuns[i]));
            // The manifest lists every stage the local one does (each once), so `hnn clean` keeps the same artifacts.
            Assert.Equal(CliSandbox.Stages(localRuns[i]).Select(s => (s.Stage, s.Key)).ToHashSet(), CliSandbox.Stages(clusterRuns[i]).Select(s => (s.Stage, s.Key)).ToHashSet());
            Assert.Equal("completed", CliSandbox.ReadJson(Path.Combine(clusterRuns[i], "manifest.json")).GetProperty("status").GetString());
        }

        // A rerun on the cluster loads everything.
        var again = await CliSandbox.InvokeAsync(args(distributed, "--cluster", TestClusters.Address(cluster)));
        Assert.True(again.ExitCode == 0, again.ToString());
        var rerun = distributed.RunDirectories()[^1];
        Assert.All(CliSandbox.Stages(rerun), s => Assert.True(s.Cached, $"{s.Stage}/{s.Key} was computed again"));
        CliSandbox.AssertSameNumbers(CliSandbox.Numbers(localRuns[1]), CliSandbox.Numbers(rerun));
    }

    [Fact]
    public async Task An_unreachable_cluster_is_a_one_line_input_error()
    {
        using var box = new CliSandbox();
        var pipeline = box.Write("p.yaml", CliSandbox.SmallPipeline);
        var r = await CliSandbox.InvokeAsync(["run", pipeline, "--store", box.StoreRoot, "--no-report", "--cluster", "localhost:1"]);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("run.cluster: no silo answers at localhost:1", r.Stderr, StringComparison.Ordinal);

        var bad = await CliSandbox.InvokeAsync(["run", pipeline, "--store", box.StoreRoot, "--set", "run.cluster=tcp://x"]);
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("run.cluster", bad.Stderr, StringComparison.Ordinal);
        Assert.Contains("'tcp://x' is not a cluster address", bad.Stderr, StringComparison.Ordinal);
    }
}
