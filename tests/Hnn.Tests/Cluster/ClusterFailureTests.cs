using System.Text.RegularExpressions;
using Hnn.Pipeline.Cli;
using Hnn.Pipeline.Config;
using Hnn.Pipeline.Execution;
using Hnn.Pipeline.Planning;
using Hnn.Pipeline.Store;
using Hnn.Stages.Numerics;
using Hnn.Tests.Pipeline;
using Orleans.TestingHost;
using Xunit;
using Xunit.Abstractions;

namespace Hnn.Tests.Cluster;

/// <summary>
/// An internal failure of a stage on a silo (run.executor: orleans, <c>hnn run --cluster</c>) prints the one line the
/// local executor prints — the stage, the experiment and the key, the exception's type and message — though the record
/// of where it happened (a weak table beside the exception object) stays in the silo's process: the silo sends the line
/// and its trace back in the call's outcome (<see cref="Hnn.Cluster.ExperimentOutcome.Failure"/>).
/// </summary>
[Collection(CliCollection.Name)]
public sealed class ClusterFailureTests(ITestOutputHelper output)
{
    private static string? _primary;

    /// <summary>A test-only stage attached to every experiment: throws (as a bug would) locally and on any silo but the primary.</summary>
    private static readonly ExperimentStage<double> Broken = new(
        new StageDecl<double>("broken", 1, new StageCodec<double>(v => Table.FromDoubles([("v", [v])]), (t, _) => t.Column("v")[0])),
        _ => [],
        (model, data, run) => TestClusters.CurrentSilo.Value != _primary
            ? throw new KeyNotFoundException("no column 'zz' (a bug)")
            : Task.FromResult(1.0));

    [Fact]
    public async Task A_stage_that_throws_on_a_secondary_silo_prints_the_line_it_prints_locally()
    {
        await using TestCluster cluster = await TestClusters.StartAsync(3);
        _primary = cluster.Primary!.SiloAddress.ToString();
        using var box = new CliSandbox();
        var pipeline = Path.Combine(RepoRoot.Find(), "pipelines", "quickstart.yaml");
        var sets = ClusterExecutorTests.Reduced.Where(s => !s.StartsWith("sweep=", StringComparison.Ordinal)).ToArray();

        // The local line for each experiment, from the same plan with the same stage (the executor's own words, the
        // InternalFailureTests format): "internal failure in stage broken (<label>, key <key>): KeyNotFoundException: ...".
        var spec = PipelineLoader.LoadSweep(pipeline, sets)[0].Spec;
        var plan = RunPlan.Build(spec, PlanFacts.Gather(spec, TestClusters.Backend.IsNative), [.. StageCatalog.ExperimentStages, Broken]);
        var local = plan.Experiments.Select(e => e.Attached.Single(a => a.Stage == Broken).Node)
            .Select(n => $"error: internal failure in stage broken ({n.Label}, key {n.Key}): KeyNotFoundException: no column 'zz' (a bug)").ToList();
        var runner = new PipelineRunner(new ArtifactStore(Path.Combine(box.Root, "local-store")), TestClusters.Backend, Serilog.Core.Logger.None);
        var thrown = await Assert.ThrowsAsync<KeyNotFoundException>(() => runner.RunAsync(plan, CancellationToken.None));
        Assert.Equal(local[0] + "; the full trace is in x (-v also prints it here)", ErrorLog.Line(thrown, "x"));

        TestClusters.Attached = [.. StageCatalog.ExperimentStages, Broken];
        try
        {
            var r = await CliSandbox.InvokeAsync(["run", pipeline, "--store", box.StoreRoot, "--no-report", .. sets.SelectMany(s => new[] { "--set", s }), "--cluster", TestClusters.Address(cluster)])
                .WaitAsync(TimeSpan.FromMinutes(4));
            output.WriteLine(r.Stderr);
            Assert.Equal(Commands.Failure, r.ExitCode);
            var line = r.Stderr.Split('\n').Single(l => l.StartsWith("error: ", StringComparison.Ordinal));
            var m = Regex.Match(line, "^(.*); the full trace is in (\\S+) \\(-v also prints it here\\)$");
            Assert.True(m.Success, line);
            Assert.Contains(m.Groups[1].Value, local);
            Assert.DoesNotContain("   at ", r.Stderr, StringComparison.Ordinal);

            // The trace file has the silo's trace: the exception as thrown there, and which silo.
            var trace = await File.ReadAllTextAsync(m.Groups[2].Value);
            Assert.Contains("--- on silo ", trace, StringComparison.Ordinal);
            Assert.Contains("System.Collections.Generic.KeyNotFoundException: no column 'zz' (a bug)", trace, StringComparison.Ordinal);
            Assert.DoesNotContain("--- on silo " + _primary, trace, StringComparison.Ordinal);
        }
        finally
        {
            TestClusters.Attached = null;
        }
    }
}
