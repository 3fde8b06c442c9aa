using Xunit;

namespace Hnn.Tests.Pipeline;

[Collection(CliCollection.Name)]
public sealed class SweepTests
{
    [Fact]
    public async Task A_sweep_over_rcond_and_a_system_parameter_runs_every_combination_and_computes_shared_stages_once()
    {
        using var box = new CliSandbox();
        var yaml = CliSandbox.SmallPipeline.Replace("methods: [elm, u-swim, a-swim, swim]", "methods: [u-swim]", StringComparison.Ordinal) + """

            sweep:
              model.rcond: [1.0e-10, 1.0e-12, 1.0e-13, 1.0e-14]
              system.params.k: [1, 2]
            """;
        var run = await box.RunAsync(box.Write("p.yaml", yaml));
        Assert.True(run.ExitCode == 0, run.ToString());
        var runs = Directory.GetDirectories(box.RunsDirectory);
        Assert.Equal(8, runs.Length);
        Assert.Contains("sweep: 8 runs; compare them with: hnn compare ", run.Stdout, StringComparison.Ordinal);

        // Counting computed stages over all runs: the data (generate, split) depend on the system parameter only, the
        // U-SWIM hidden layer on the data only: computed once per k; the fit and evaluation once per variant.
        var computed = runs.SelectMany(CliSandbox.Stages).Where(s => !s.Cached).GroupBy(s => s.Stage).ToDictionary(g => g.Key, g => g.Select(s => s.Key).Distinct().Count());
        Assert.Equal(2, computed["generate"]);
        Assert.Equal(2, computed["split"]);
        Assert.Equal(2, computed["sample"]);
        Assert.Equal(8, computed["fit"]);
        Assert.Equal(8, computed["evaluate"]);
        Assert.Equal(8, runs.SelectMany(CliSandbox.Stages).Count(s => s.Stage == "generate")); // loaded by the six others
        var rconds = runs.Select(r => CliSandbox.ReadJson(Path.Combine(r, "manifest.json")).GetProperty("config").GetProperty("model").GetProperty("rcond").GetDouble()).Order().ToArray();
        Assert.Equal([1e-14, 1e-14, 1e-13, 1e-13, 1e-12, 1e-12, 1e-10, 1e-10], rconds);

        var cmp = await CliSandbox.InvokeAsync(["compare", .. runs.Select(Path.GetFileName)!, "--store", box.StoreRoot]);
        Assert.True(cmp.ExitCode == 0, cmp.ToString());
        Assert.Equal(8, cmp.Stdout.Split('\n').Count(l => l.Contains(" u-swim ", StringComparison.Ordinal)));

        var validate = await CliSandbox.InvokeAsync(["validate", Path.Combine(box.Root, "p.yaml")]);
        Assert.Equal(8, validate.Stdout.Split('\n').Count(l => l.Contains("[sweep variant ", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Bad_sweeps_are_rejected_before_anything_runs()
    {
        using var box = new CliSandbox();
        foreach (var (sweep, expected) in new[]
        {
            ("sweep: {model.rcond: []}", "must be a non-empty list of scalar values"),
            ("sweep: {model.widths: [[10], [20]]}", "must be a non-empty list of scalar values"),
            ("sweep: [1, 2]", "must map config keys to lists"),
            ("sweep: {model.rcond: [1e-10, -1]}", "sweep variant model.rcond=-1"),
            ("sweep: {name: [a, b]}", "cannot be swept"),
        })
        {
            var p = box.Write("bad.yaml", CliSandbox.SmallPipeline + "\n" + sweep + "\n");
            CliAssert.BadInput(await box.RunAsync(p), [expected]);
        }

        Assert.False(Directory.Exists(box.RunsDirectory));
    }
}
