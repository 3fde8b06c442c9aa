using System.Collections.Concurrent;
using Xunit;

namespace Hnn.Tests.Pipeline;

/// <summary>
/// The store's promises under mix-ups and concurrency (issue: artifacts bound to their key, a clean that never
/// removes what a running job uses, never follows links out of the store, and whose dry run lists exactly what goes).
/// </summary>
[Collection(CliCollection.Name)]
public sealed class StoreSafetyTests
{
    private static readonly string TwoMethods = CliSandbox.SmallPipeline.Replace("methods: [elm, u-swim, a-swim, swim]", "methods: [elm, swim]", StringComparison.Ordinal);

    [Fact]
    public async Task Two_fresh_runs_give_byte_identical_artifacts()
    {
        // Same process, same BLAS thread budget: the code guarantees bit-equality here (every BLAS call runs under a
        // fixed thread count, compute times live outside the artifacts).
        using var a = new CliSandbox();
        using var b = new CliSandbox();
        var ra = await a.RunAsync(a.Write("p.yaml", CliSandbox.SmallPipeline), "run.parallelism=2");
        var rb = await b.RunAsync(b.Write("p.yaml", CliSandbox.SmallPipeline), "run.parallelism=1");
        Assert.True(ra.ExitCode == 0, ra.ToString());
        Assert.True(rb.ExitCode == 0, rb.ToString());
        var filesA = Relative(a.ArtifactsDirectory, "*.parquet");
        Assert.NotEmpty(filesA);
        Assert.Equal(filesA, Relative(b.ArtifactsDirectory, "*.parquet"));
        foreach (var f in filesA)
        {
            Assert.True(File.ReadAllBytes(Path.Combine(a.ArtifactsDirectory, f)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(b.ArtifactsDirectory, f))), f);
        }
    }

    [Theory]
    [InlineData("sample")] // a valid artifact of another stage copied over a fit
    [InlineData("fit")]    // a valid fit of another method copied over this fit
    public async Task An_artifact_replaced_by_another_valid_artifact_is_warned_about_and_recomputed(string donorStage)
    {
        using var box = new CliSandbox();
        var pipeline = box.Write("p.yaml", TwoMethods);
        var first = await box.RunAsync(pipeline);
        Assert.True(first.ExitCode == 0, first.ToString());
        var before = CliSandbox.Numbers(CliSandbox.RunDirectoryOf(first));

        var fits = box.ArtifactFiles("fit");
        Assert.Equal(2, fits.Length);
        var victim = fits[0];
        var donor = donorStage == "fit" ? fits[1] : box.ArtifactFiles(donorStage)[0];
        File.Copy(donor, victim, overwrite: true);

        var second = await box.RunAsync(pipeline);
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Contains("was written as artifact", second.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", second.Stderr, StringComparison.Ordinal);
        var key = Path.GetFileNameWithoutExtension(victim);
        Assert.Contains(CliSandbox.Stages(CliSandbox.RunDirectoryOf(second)), s => s.Stage == "fit" && s.Key == key && !s.Cached);
        CliSandbox.AssertSameNumbers(before, CliSandbox.Numbers(CliSandbox.RunDirectoryOf(second)));

        var warnings = new ConcurrentQueue<string>();
        Assert.NotNull(await box.Store(warnings.Enqueue).TryReadAsync("fit", key));
        Assert.Empty(warnings);
    }

    [Fact]
    public async Task Clean_removes_nothing_while_a_run_holds_the_store()
    {
        using var box = new CliSandbox();
        var run = await box.RunAsync(box.Write("p.yaml", TwoMethods));
        Assert.True(run.ExitCode == 0, run.ToString());
        Directory.Delete(box.RunsDirectory, recursive: true); // nothing referenced: a clean would remove everything
        var count = box.Store().List().Count;

        using (box.Store().AcquireRunLease())
        {
            var clean = await CliSandbox.InvokeAsync(["clean", "--store", box.StoreRoot]);
            CliAssert.BadInput(clean, ["a run is using this store", "nothing removed"]);
            Assert.Equal(count, box.Store().List().Count);
        }

        var after = await CliSandbox.InvokeAsync(["clean", "--store", box.StoreRoot]);
        Assert.True(after.ExitCode == 0, after.ToString());
        Assert.Empty(box.Store().List());
    }

    [Fact]
    public async Task Clean_never_follows_a_linked_stage_folder_out_of_the_store_and_its_dry_run_lists_temp_files()
    {
        using var box = new CliSandbox();
        var run = await box.RunAsync(box.Write("p.yaml", TwoMethods));
        Assert.True(run.ExitCode == 0, run.ToString());

        var outside = Path.Combine(box.Root, "outside");
        Directory.CreateDirectory(outside);
        var precious = Path.Combine(outside, "0123abcd.parquet");
        File.WriteAllText(precious, "not the store's");
        Directory.CreateSymbolicLink(Path.Combine(box.ArtifactsDirectory, "linked"), outside);

        // What kill -9 leaves: a temp file of an artifact write.
        var temp = Path.Combine(box.ArtifactsDirectory, "fit", "00ff.parquet.tmp-1234");
        File.WriteAllText(temp, "partial");

        var dry = await CliSandbox.InvokeAsync(["clean", "--dry-run", "--store", box.StoreRoot]);
        Assert.True(dry.ExitCode == 0, dry.ToString());
        Assert.Contains("00ff.parquet.tmp-1234", dry.Stdout, StringComparison.Ordinal);
        Assert.Contains("1 file(s) would be removed", dry.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("linked", dry.Stdout, StringComparison.Ordinal);

        var clean = await CliSandbox.InvokeAsync(["clean", "--store", box.StoreRoot]);
        Assert.True(clean.ExitCode == 0, clean.ToString());
        Assert.Contains("removed 1 file(s)", clean.Stdout, StringComparison.Ordinal);
        Assert.False(File.Exists(temp));
        Assert.True(File.Exists(precious));
        Assert.NotEmpty(box.Store().List());
    }

    [Fact]
    public async Task A_corrupt_manifest_is_reported_by_show_list_and_clean_and_clean_removes_nothing()
    {
        using var box = new CliSandbox();
        var run = await box.RunAsync(box.Write("p.yaml", TwoMethods));
        Assert.True(run.ExitCode == 0, run.ToString());
        var manifest = Path.Combine(CliSandbox.RunDirectoryOf(run), "manifest.json");
        File.WriteAllText(manifest, "{\"run_id\": \"x\", \"stages\": [");
        var count = box.Store().List().Count;

        var show = await CliSandbox.InvokeAsync(["show", "latest", "--store", box.StoreRoot]);
        CliAssert.BadInput(show, ["manifest.json", "not valid JSON"]);

        var list = await CliSandbox.InvokeAsync(["list", "--store", box.StoreRoot]);
        Assert.True(list.ExitCode == 0, list.ToString());
        Assert.Contains("warning: ", list.Stdout, StringComparison.Ordinal);

        var clean = await CliSandbox.InvokeAsync(["clean", "--store", box.StoreRoot]);
        CliAssert.BadInput(clean, ["manifest.json", "nothing removed"]);
        Assert.Equal(count, box.Store().List().Count);
    }

    private static string[] Relative(string root, string pattern) =>
        Directory.GetFiles(root, pattern, SearchOption.AllDirectories).Select(f => Path.GetRelativePath(root, f)).Order(StringComparer.Ordinal).ToArray();
}
