using System.Collections.Concurrent;
using System.Diagnostics;
using Hnn.Pipeline.Store;
using Xunit;
using Xunit.Abstractions;

namespace Hnn.Tests.Pipeline;

[Collection(CliCollection.Name)]
public sealed class StoreRecoveryTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_truncated_fit_artifact_is_reported_recomputed_and_gives_the_same_results()
    {
        using var box = new CliSandbox();
        var pipeline = box.Write("p.yaml", CliSandbox.SmallPipeline);

        var first = await box.RunAsync(pipeline);
        Assert.True(first.ExitCode == 0, first.ToString());
        var before = CliSandbox.Numbers(CliSandbox.RunDirectoryOf(first));

        var fits = box.ArtifactFiles("fit");
        Assert.NotEmpty(fits);
        var victim = fits[0];
        var key = Path.GetFileNameWithoutExtension(victim);
        var length = new FileInfo(victim).Length;
        using (var fs = new FileStream(victim, FileMode.Open, FileAccess.Write))
        {
            fs.SetLength(length / 2);
        }

        var second = await box.RunAsync(pipeline);
        output.WriteLine(second.ToString());
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.True(
            second.Stderr.Contains(victim, StringComparison.Ordinal) || second.Stderr.Contains("corrupt", StringComparison.OrdinalIgnoreCase),
            $"no warning about {victim}\n{second}");
        Assert.DoesNotContain("   at ", second.Stderr, StringComparison.Ordinal);

        // The stage was recomputed (the first record of that key in the run is a computation), the rest came from the store.
        var stages = CliSandbox.Stages(CliSandbox.RunDirectoryOf(second));
        Assert.Contains(stages, s => s.Stage == "fit" && s.Key == key && !s.Cached);
        Assert.All(stages.Where(s => s.Stage is "generate" or "split" or "sample"), s => Assert.True(s.Cached, $"{s.Stage} {s.Key} recomputed"));

        CliSandbox.AssertSameNumbers(before, CliSandbox.Numbers(CliSandbox.RunDirectoryOf(second)));
        Assert.Empty(box.TempFiles());

        // The artifact is whole again.
        var warnings = new ConcurrentQueue<string>();
        Assert.NotNull(await box.Store(warnings.Enqueue).TryReadAsync("fit", key));
        Assert.Empty(warnings);
    }

    [Fact]
    public async Task An_interrupted_run_leaves_no_partial_artifact_and_resumes()
    {
        using var box = new CliSandbox();

        // 24 experiments, long enough (a few seconds) to be cancelled after the first fit is stored.
        var pipeline = box.Write("p.yaml", CliSandbox.SmallPipeline
            .Replace("train: 600", "train: 1000", StringComparison.Ordinal)
            .Replace("widths: [100]", "widths: [150]", StringComparison.Ordinal)
            .Replace("seeds: [992472]", "seeds: [1, 2, 3, 4, 5, 6]", StringComparison.Ordinal));
        var fitDir = Path.Combine(box.ArtifactsDirectory, "fit");

        using var cts = new CancellationTokenSource();
        var sw = Stopwatch.StartNew();
        var run = box.RunAsync(pipeline, cts.Token);
        while (!run.IsCompleted && !(Directory.Exists(fitDir) && Directory.EnumerateFiles(fitDir, "*.parquet").Any()))
        {
            await Task.Delay(5);
        }

        var cancelledAt = sw.Elapsed;
        await cts.CancelAsync();
        var interrupted = await run;
        output.WriteLine($"cancelled after {cancelledAt.TotalSeconds:F2} s");
        output.WriteLine(interrupted.ToString());

        Assert.True(interrupted.ExitCode == 1, interrupted.ToString());
        Assert.Contains("interrupted", interrupted.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", interrupted.Stderr, StringComparison.Ordinal);
        var runDir = Assert.Single(box.RunDirectories());
        Assert.Equal("interrupted", CliSandbox.ReadJson(Path.Combine(runDir, "manifest.json")).GetProperty("status").GetString());

        // Give any computation still finishing on the thread pool a moment; it must not write anything afterwards.
        await Task.Delay(300);
        Assert.Empty(box.TempFiles());
        var parquet = Directory.GetFiles(box.ArtifactsDirectory, "*.parquet", SearchOption.AllDirectories);
        Assert.NotEmpty(parquet);
        var warnings = new ConcurrentQueue<string>();
        var store = box.Store(warnings.Enqueue);
        foreach (var a in store.List())
        {
            Assert.NotNull(await store.TryReadAsync(a.Stage, a.Key));
        }

        Assert.Equal(parquet.Length, store.List().Count);
        foreach (var file in parquet)
        {
            Assert.True((await ParquetTableIO.ReadAsync(file)).RowCount > 0, file);
        }

        Assert.Empty(warnings);
        var storedBefore = store.List().Select(a => a.Key).ToHashSet();

        // Resume.
        var resumed = await box.RunAsync(pipeline);
        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        var stages = CliSandbox.Stages(CliSandbox.RunDirectoryOf(resumed));
        Assert.Contains(stages, s => s.Cached && s.Stage == "fit");
        Assert.All(stages.Where(s => storedBefore.Contains(s.Key)), s => Assert.True(s.Cached, $"{s.Stage} {s.Key} stored before but recomputed"));
        Assert.Contains(stages, s => !s.Cached);
        Assert.Equal(24, CliSandbox.Results(CliSandbox.RunDirectoryOf(resumed)).Count);
        Assert.Empty(box.TempFiles());
    }
}
