using Hnn.Stages.Numerics;
using Xunit;

namespace Hnn.Tests.Pipeline;

[Collection(CliCollection.Name)]
public sealed class CacheTests
{
    private static readonly string[] ModelStages = ["sample", "fit", "resample", "evaluate"];

    [Fact]
    public async Task Second_run_is_fully_cached_and_reproduces_the_results_bit_for_bit()
    {
        using var box = new CliSandbox();
        var pipeline = box.Write("p.yaml", CliSandbox.SmallPipeline);

        var first = await box.RunAsync(pipeline);
        Assert.True(first.ExitCode == 0, first.ToString());
        var second = await box.RunAsync(pipeline);
        Assert.True(second.ExitCode == 0, second.ToString());

        var dir1 = CliSandbox.RunDirectoryOf(first);
        var dir2 = CliSandbox.RunDirectoryOf(second);
        Assert.NotEqual(dir1, dir2);

        var stages2 = CliSandbox.Stages(dir2);
        Assert.NotEmpty(stages2);
        Assert.All(stages2, s => Assert.True(s.Cached, $"{s.Stage} {s.Key} was recomputed on the second run"));
        Assert.Equal(
            CliSandbox.Stages(dir1).Select(s => (s.Stage, s.Key)).Distinct().Order(),
            stages2.Select(s => (s.Stage, s.Key)).Distinct().Order());
        foreach (var stage in new[] { "generate", "split", "sample", "fit", "resample", "evaluate" })
        {
            Assert.Contains(stages2, s => s.Stage == stage);
        }

        Assert.All(CliSandbox.Results(dir2).Values, r => Assert.True(r.GetProperty("from_cache").GetBoolean()));
        CliSandbox.AssertSameNumbers(CliSandbox.Numbers(dir1), CliSandbox.Numbers(dir2));
    }

    [Fact]
    public async Task Changing_only_the_width_reuses_the_data_and_recomputes_the_model()
    {
        using var box = new CliSandbox();
        var pipeline = box.Write("p.yaml", CliSandbox.SmallPipeline);

        var first = await box.RunAsync(pipeline);
        Assert.True(first.ExitCode == 0, first.ToString());
        var second = await box.RunAsync(pipeline, "model.widths=[80]");
        Assert.True(second.ExitCode == 0, second.ToString());

        var stages1 = CliSandbox.Stages(CliSandbox.RunDirectoryOf(first));
        var stages2 = CliSandbox.Stages(CliSandbox.RunDirectoryOf(second));

        // Data: same keys, loaded from the store.
        foreach (var stage in new[] { "generate", "split" })
        {
            var records = stages2.Where(s => s.Stage == stage).ToList();
            Assert.NotEmpty(records);
            Assert.All(records, s => Assert.True(s.Cached, $"{stage} {s.Key} was recomputed"));
            Assert.Equal(stages1.Where(s => s.Stage == stage).Select(s => s.Key).Distinct().Order(), records.Select(s => s.Key).Distinct().Order());
        }

        // Model: new keys, each computed once (A-SWIM then reuses the U-SWIM layer and fit computed in this run).
        var keys1 = stages1.Select(s => s.Key).ToHashSet();
        foreach (var stage in ModelStages)
        {
            var records = stages2.Where(s => s.Stage == stage).ToList();
            Assert.NotEmpty(records);
            foreach (var key in records.Select(s => s.Key).Distinct())
            {
                Assert.DoesNotContain(key, keys1);
                Assert.Contains(records, s => s.Key == key && !s.Cached);
            }
        }

        var results = CliSandbox.Results(CliSandbox.RunDirectoryOf(second));
        Assert.Equal(4, results.Count);
        Assert.All(results.Values, r => Assert.Equal(80, r.GetProperty("width").GetInt32()));
        Assert.All(results.Values, r => Assert.False(r.GetProperty("from_cache").GetBoolean()));
    }

    [Fact]
    public async Task Keys_do_not_depend_on_yaml_order_or_on_run_settings()
    {
        // Same content as SmallPipeline: top-level sections and keys inside mappings reordered, and run settings
        // that do not change results (store, parallelism) changed.
        const string reordered = """
            model:
              rcond: 1.0e-13
              seeds: [992472]
              widths: [100]
              methods: [elm, u-swim, a-swim, swim]
            run:
              parallelism: 2
              store: OTHER_STORE
            anchor:
              h0: 0
              x0: [1, 0]
            data:
              seed: 3943
              test: 200
              train: 600
            solver:
              mode: structured
              backend: auto
            domain:
              p: [[-5, 5]]
              q: [[-5, 5]]
            system:
              name: mass-spring
            name: small
            """;
        using var box = new CliSandbox();
        var original = box.Write("p.yaml", CliSandbox.SmallPipeline);
        var otherStore = Path.Combine(box.Root, "other-store");
        var shuffled = box.Write("p-reordered.yaml", reordered.Replace("OTHER_STORE", otherStore, StringComparison.Ordinal));

        var first = await box.RunAsync(original);
        Assert.True(first.ExitCode == 0, first.ToString());

        var second = await box.RunAsync(shuffled);

        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.False(Directory.Exists(otherStore), "--store must win over run.store");

        var dir1 = CliSandbox.RunDirectoryOf(first);
        var dir2 = CliSandbox.RunDirectoryOf(second);
        Assert.Equal(
            CliSandbox.Stages(dir1).Select(s => (s.Stage, s.Key)).Distinct().Order(),
            CliSandbox.Stages(dir2).Select(s => (s.Stage, s.Key)).Distinct().Order());
        Assert.All(CliSandbox.Stages(dir2), s => Assert.True(s.Cached, $"{s.Stage} {s.Key} was recomputed"));

        var results1 = CliSandbox.Results(dir1);
        var results2 = CliSandbox.Results(dir2);
        Assert.Equal(results1.Keys.Order(), results2.Keys.Order());
        foreach (var (name, r1) in results1)
        {
            Assert.Equal(r1.GetProperty("keys").GetRawText(), results2[name].GetProperty("keys").GetRawText());
        }

        CliSandbox.AssertSameNumbers(CliSandbox.Numbers(dir1), CliSandbox.Numbers(dir2));
    }
}
