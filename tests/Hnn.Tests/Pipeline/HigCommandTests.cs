using Xunit;

namespace Hnn.Tests.Pipeline;

/// <summary><c>hnn hig</c>: the control study end to end on a tiny problem (one HIG epoch of two updates).</summary>
[Collection(CliCollection.Name)]
public sealed class HigCommandTests
{
    [Fact]
    public async Task Tiny_study_writes_history_table_and_plot()
    {
        using var sandbox = new CliSandbox();
        var output = Path.Combine(sandbox.Root, "out");
        var pipeline = sandbox.Write("hig.yaml", $"""
            hig:
              train: 64
              test: 32
              seeds: [7]
              budgetSeconds: 0.000001
              output: {output}
              optimisers:
                - method: adam
                  batch: 32
                - method: hig
            """);

        var r = await CliSandbox.InvokeAsync(["hig", pipeline, "--quiet"]);

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("| Adam | 7 | 1 | 2 |", r.Stdout, StringComparison.Ordinal); // one epoch: the budget is checked before each
        Assert.Contains("| Hig | 7 | 1 | 2 |", r.Stdout, StringComparison.Ordinal);
        var history = File.ReadAllLines(Path.Combine(output, "history.csv"));
        Assert.Equal("method,seed,epoch,updates,seconds,train_loss,test_loss", history[0]);
        Assert.Equal(5, history.Length); // header + (epoch 0, epoch 1) x 2 optimisers
        Assert.True(new FileInfo(Path.Combine(output, "loss.png")).Length > 0);
        Assert.True(File.Exists(Path.Combine(output, "final.md")));
    }

    [Fact]
    public async Task A_run_pipeline_with_method_hig_is_not_a_control_study()
    {
        // Its hig: section is method hig's settings (hnn run); hnn hig says so instead of a YAML binding message.
        using var sandbox = new CliSandbox();
        var pipeline = sandbox.Write("p.yaml", CliSandbox.SmallPipeline.Replace("methods: [elm, u-swim, a-swim, swim]", "methods: [hig]", StringComparison.Ordinal) + "\nhig: {steps: 10}\n");
        var r = await CliSandbox.InvokeAsync(["hig", pipeline, "--validate"]);
        CliAssert.BadInput(r, ["p.yaml", "is an 'hnn run' pipeline", "method hig's settings", "--hnn"]);
    }

    [Fact]
    public async Task Unknown_method_is_bad_input()
    {
        using var sandbox = new CliSandbox();
        var pipeline = sandbox.Write("hig.yaml", """
            hig:
              optimisers:
                - method: lbfgs
            """);

        var r = await CliSandbox.InvokeAsync(["hig", pipeline, "--validate"]);

        Assert.Equal(2, r.ExitCode);
        Assert.Contains("lbfgs", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Hnn_option_trains_the_hnn_baseline_by_hig_on_a_pipelines_data()
    {
        using var sandbox = new CliSandbox();
        var pipeline = sandbox.Write("small.yaml", CliSandbox.SmallPipeline);
        var output = Path.Combine(sandbox.Root, "hig-hnn");

        var r = await CliSandbox.InvokeAsync(["hig", "--hnn", pipeline, "--steps", "20", "--batch", "8", "--seeds", "1,2", "--out", output, "--quiet"]);

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("| hig | 1 | 20 |", r.Stdout, StringComparison.Ordinal);
        Assert.Contains("| hig | 2 | 20 |", r.Stdout, StringComparison.Ordinal);
        var history = File.ReadAllLines(Path.Combine(output, "history.csv"));
        Assert.Equal("method,seed,step,seconds,loss", history[0]);
        Assert.Equal(1 + 40, history.Length);

        var bad = await CliSandbox.InvokeAsync(["hig", "--hnn", pipeline, "--truncation", "2"]);
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("--truncation 2: must be a number in [0, 1)", bad.Stderr, StringComparison.Ordinal);
    }
}
