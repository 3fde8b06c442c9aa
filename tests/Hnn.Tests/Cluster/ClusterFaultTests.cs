using Hnn.Tests.Pipeline;
using Orleans.TestingHost;
using Xunit;
using Xunit.Abstractions;

namespace Hnn.Tests.Cluster;

/// <summary>
/// A silo lost while it runs an experiment (killed: no goodbye to the cluster): the coordinator redoes the call on a
/// live silo and the run completes with the local executor's numbers and artifacts.
/// </summary>
[Collection(CliCollection.Name)]
public sealed class ClusterFaultTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_silo_killed_during_a_fit_has_its_experiment_redone_elsewhere_with_the_same_numbers()
    {
        await using TestCluster cluster = await TestClusters.StartAsync(3);
        using var local = new CliSandbox();
        using var distributed = new CliSandbox();
        var pipeline = Path.Combine(RepoRoot.Find(), "pipelines", "quickstart.yaml");
        var sets = ClusterExecutorTests.Reduced.Where(s => !s.StartsWith("sweep=", StringComparison.Ordinal)).SelectMany(s => new[] { "--set", s }).ToArray();
        var l = await CliSandbox.InvokeAsync(["run", pipeline, "--store", local.StoreRoot, "--no-report", .. sets]);
        Assert.True(l.ExitCode == 0, l.ToString());

        // The first experiment that lands on a secondary silo: its fit starts, the silo is killed while the call is in
        // flight (the hook holds the reply until then), and that silo's reply never arrives.
        var primary = cluster.Primary!.SiloAddress.ToString();
        var victim = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var killed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        TestClusters.Intercept = async (silo, work, run) =>
        {
            if (silo == primary || work.Index < 0 || !victim.TrySetResult(silo))
            {
                return await run;
            }

            await killed.Task;
            throw new OperationCanceledException("this silo was killed");
        };
        try
        {
            var running = CliSandbox.InvokeAsync(["run", pipeline, "--store", distributed.StoreRoot, "--no-report", .. sets, "--cluster", TestClusters.Address(cluster)]);
            await Task.WhenAny(victim.Task, running).WaitAsync(TimeSpan.FromMinutes(2));
            if (!victim.Task.IsCompleted)
            {
                Assert.Fail("the run ended before any experiment reached a secondary silo: " + await running);
            }

            var lost = await victim.Task;
            await cluster.KillSiloAsync(cluster.GetActiveSilos().Single(s => s.SiloAddress.ToString() == lost));
            killed.SetResult();

            var d = await running.WaitAsync(TimeSpan.FromMinutes(3));
            output.WriteLine(d.Stderr);
            Assert.True(d.ExitCode == 0, d.ToString());
            Assert.Contains("redoing it on another silo", d.Stderr, StringComparison.Ordinal);
            Assert.Contains("cluster: 4/4 done:", d.Stderr, StringComparison.Ordinal);
            CliSandbox.AssertSameNumbers(CliSandbox.Numbers(local.RunDirectories()[0]), CliSandbox.Numbers(distributed.RunDirectories()[0]));
            Assert.Equal(TestClusters.ArtifactHashes(local.StoreRoot), TestClusters.ArtifactHashes(distributed.StoreRoot));
        }
        finally
        {
            TestClusters.Intercept = null;
            killed.TrySetResult();
        }
    }
}
