using Xunit;

namespace Hnn.Tests.Pipeline;

[Collection(CliCollection.Name)]
public sealed class StoreCommandsTests
{
    [Fact]
    public async Task List_shows_the_run_and_artifacts_and_clean_removes_only_unreferenced_ones()
    {
        using var box = new CliSandbox();
        var pipeline = box.Write("p.yaml", CliSandbox.SmallPipeline.Replace("methods: [elm, u-swim, a-swim, swim]", "methods: [elm, u-swim]", StringComparison.Ordinal));
        var run = await box.RunAsync(pipeline);
        Assert.True(run.ExitCode == 0, run.ToString());
        var runId = Path.GetFileName(CliSandbox.RunDirectoryOf(run));
        var artifacts = box.Store().List();
        Assert.NotEmpty(artifacts);

        var list = await CliSandbox.InvokeAsync(["list", "--store", box.StoreRoot]);
        Assert.True(list.ExitCode == 0, list.ToString());
        Assert.Contains("runs (1):", list.Stdout, StringComparison.Ordinal);
        Assert.Contains(runId, list.Stdout, StringComparison.Ordinal);
        Assert.Contains("completed", list.Stdout, StringComparison.Ordinal);
        Assert.Contains($"artifacts ({artifacts.Count},", list.Stdout, StringComparison.Ordinal);
        foreach (var a in artifacts)
        {
            Assert.Contains(a.Key, list.Stdout, StringComparison.Ordinal);
        }

        foreach (var stage in new[] { "generate", "split", "sample", "fit", "evaluate" })
        {
            Assert.Contains($"  {stage}: ", list.Stdout, StringComparison.Ordinal);
        }

        var show = await CliSandbox.InvokeAsync(["show", "latest", "--store", box.StoreRoot]);
        Assert.True(show.ExitCode == 0, show.ToString());
        Assert.Contains(runId, show.Stdout, StringComparison.Ordinal);

        // Everything is referenced by the run's manifest.
        var dry = await CliSandbox.InvokeAsync(["clean", "--dry-run", "--store", box.StoreRoot]);
        Assert.True(dry.ExitCode == 0, dry.ToString());
        Assert.DoesNotContain("would remove", dry.Stdout, StringComparison.Ordinal);
        Assert.Contains("0 file(s) would be removed", dry.Stdout, StringComparison.Ordinal);

        var keep = await CliSandbox.InvokeAsync(["clean", "--store", box.StoreRoot]);
        Assert.True(keep.ExitCode == 0, keep.ToString());
        Assert.Contains("removed 0 file(s)", keep.Stdout, StringComparison.Ordinal);
        Assert.Equal(artifacts.Count, box.Store().List().Count);

        // Without the run, nothing is referenced: the dry run lists every artifact, clean removes them all.
        Directory.Delete(box.RunsDirectory, recursive: true);
        // Each artifact has its compute-time side file (<key>.seconds); both go.
        var files = Directory.GetFiles(box.ArtifactsDirectory, "*", SearchOption.AllDirectories).Length;
        Assert.Equal(2 * artifacts.Count, files);
        dry = await CliSandbox.InvokeAsync(["clean", "--dry-run", "--store", box.StoreRoot]);
        Assert.True(dry.ExitCode == 0, dry.ToString());
        Assert.Contains($"{files} file(s) would be removed", dry.Stdout, StringComparison.Ordinal);
        Assert.Equal(files, dry.Stdout.Split('\n').Count(l => l.StartsWith("would remove ", StringComparison.Ordinal)));
        Assert.Equal(artifacts.Count, box.Store().List().Count);

        var clean = await CliSandbox.InvokeAsync(["clean", "--store", box.StoreRoot]);
        Assert.True(clean.ExitCode == 0, clean.ToString());
        Assert.Contains($"removed {files} file(s)", clean.Stdout, StringComparison.Ordinal);
        Assert.Empty(box.Store().List());
        Assert.Empty(Directory.Exists(box.ArtifactsDirectory) ? Directory.GetFiles(box.ArtifactsDirectory, "*", SearchOption.AllDirectories) : []);

        list = await CliSandbox.InvokeAsync(["list", "--store", box.StoreRoot]);
        Assert.True(list.ExitCode == 0, list.ToString());
        Assert.Contains("runs (0):", list.Stdout, StringComparison.Ordinal);
        Assert.Contains("artifacts (0,", list.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Systems_lists_every_registered_system()
    {
        var r = await CliSandbox.InvokeAsync(["systems"]);
        Assert.True(r.ExitCode == 0, r.ToString());
        foreach (var name in Hnn.Datasets.SystemRegistry.Names)
        {
            Assert.Contains(name, r.Stdout, StringComparison.Ordinal);
        }
    }
}
