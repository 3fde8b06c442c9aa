using Hnn.Pipeline.Cli;
using Hnn.Pipeline.Execution;
using Hnn.Pipeline.Planning;
using Hnn.Pipeline.Store;
using Hnn.Stages.Numerics;
using Hnn.Tests.Planning;
using Xunit;

namespace Hnn.Tests.Pipeline;

/// <summary>
/// An internal failure of a run (not bad input) gives exit 1 and one line on the terminal — what failed (stage and
/// experiment) and where the full trace is — and the stack trace goes to the run's error.log, on stderr only with -v
/// (audit of 2026-12-03: it printed the trace). Induced here by a cached artifact whose seal is valid but whose
/// content is not the stage's (what a codec change without a version bump would leave), and by a stage that throws.
/// </summary>
[Collection(CliCollection.Name)]
public sealed class InternalFailureTests
{
    private static readonly string[] Small = ["--set", "model.methods=[elm]", "--set", "model.widths=[20]", "--no-report"];

    private static Task<CliResult> Run(CliSandbox box, string pipeline, params string[] extra) =>
        CliSandbox.InvokeAsync(["run", pipeline, "--store", box.StoreRoot, .. Small, .. extra]);

    [Fact]
    public async Task An_undecodable_cached_artifact_is_one_line_naming_it_and_what_to_do_and_the_trace_goes_to_the_run_folder()
    {
        using var box = new CliSandbox();
        var pipeline = box.Write("p.yaml", CliSandbox.SmallPipeline);
        var first = await Run(box, pipeline);
        Assert.True(first.ExitCode == Commands.Ok, first.ToString());

        // Overwrite the fit artifact through the store: sealed (so not set aside as corrupt), but no network in it.
        var fit = Assert.Single(box.ArtifactFiles("fit"));
        var key = Path.GetFileNameWithoutExtension(fit);
        await box.Store().WriteAsync("fit", key, new Table([new TableColumn("junk", [1.0, 2.0])]));

        var r = await Run(box, pipeline);

        Assert.True(r.ExitCode == Commands.Failure, r.ToString());
        Assert.DoesNotContain("   at ", r.Stderr, StringComparison.Ordinal);
        var line = Assert.Single(r.Stderr.Split('\n'), l => l.StartsWith("error:", StringComparison.Ordinal));
        Assert.Contains("stage fit (elm width 20 seed 992472)", line, StringComparison.Ordinal);
        Assert.Contains($"the cached artifact {Path.Combine(box.ArtifactsDirectory, "fit", key + ".parquet")} cannot be read", line, StringComparison.Ordinal);
        Assert.Contains("move it aside or delete it, and run the same command again to recompute it", line, StringComparison.Ordinal);
        var failed = box.RunDirectories().Single(d => CliSandbox.ReadJson(Path.Combine(d, "manifest.json")).GetProperty("status").GetString() == "failed");
        var log = Path.Combine(failed, ErrorLog.RunFileName);
        Assert.Contains($"the full trace is in {log}", line, StringComparison.Ordinal);
        var trace = await File.ReadAllTextAsync(log);
        Assert.Contains(nameof(StageFailedException), trace, StringComparison.Ordinal);
        Assert.Contains("   at ", trace, StringComparison.Ordinal);

        // -v also prints the trace; doing what the line says (delete the file) makes the run work again.
        var verbose = await Run(box, pipeline, "-v");
        Assert.Equal(Commands.Failure, verbose.ExitCode);
        Assert.Contains("   at ", verbose.Stderr, StringComparison.Ordinal);
        File.Delete(fit);
        var again = await Run(box, pipeline);
        Assert.True(again.ExitCode == Commands.Ok, again.ToString());
    }

    /// <summary>A test-only stage attached to every experiment that throws (as a bug in a stage would).</summary>
    private static readonly ExperimentStage<double> Broken = new(
        new StageDecl<double>("broken", 1, new StageCodec<double>(v => Table.FromDoubles([("v", [v])]), (t, _) => t.Column("v")[0])),
        _ => [],
        (model, data, run) => throw new KeyNotFoundException("no column 'zz' (a bug)"));

    [Fact]
    public async Task A_stage_that_throws_is_named_with_its_experiment_and_keeps_its_exception_type()
    {
        using var box = new PlanSandbox();
        var spec = box.Load(CliSandbox.SmallPipeline.Replace("methods: [elm, u-swim, a-swim, swim]", "methods: [elm]", StringComparison.Ordinal).Replace("widths: [100]", "widths: [20]", StringComparison.Ordinal));
        var la = new ManagedLinearAlgebra();
        var plan = RunPlan.Build(spec, PlanFacts.Gather(spec, la.IsNative), [Broken]);
        var runner = new PipelineRunner(new ArtifactStore(Path.Combine(box.Root, "store")), la, Serilog.Core.Logger.None);

        // The type is kept (callers that catch it, e.g. a failed rollout's InvalidOperationException, still do).
        var e = await Assert.ThrowsAsync<KeyNotFoundException>(() => runner.RunAsync(plan, CancellationToken.None));
        var key = plan.Experiments[0].Attached[0].Node.Key;
        Assert.Equal($"stage broken (elm width 20 seed 992472, key {key})", StageFailedException.Where(e));

        var log = Path.Combine(box.Root, "error.log");
        var line = ErrorLog.Line(e, ErrorLog.Write(e, log));
        Assert.Equal($"error: internal failure in stage broken (elm width 20 seed 992472, key {key}): KeyNotFoundException: no column 'zz' (a bug); the full trace is in {log} (-v also prints it here)", line);
        Assert.Contains("KeyNotFoundException", await File.ReadAllTextAsync(log), StringComparison.Ordinal);
    }
}
