using Hnn.Pipeline;
using Hnn.Pipeline.Config;
using Hnn.Stages.Baseline;
using Xunit;

namespace Hnn.Tests.Pipeline;

/// <summary>The rollout: and adam: sections and method adam: defaults, overrides and bad input.</summary>
[Collection(CliCollection.Name)]
public sealed class RolloutAdamConfigTests
{
    private static PipelineSpec Load(params string[] sets)
    {
        using var box = new CliSandbox();
        return PipelineLoader.Load(box.Write("p.yaml", CliSandbox.SmallPipeline), sets);
    }

    [Fact]
    public void Without_the_sections_there_is_no_rollout_and_no_adam()
    {
        var spec = Load();
        Assert.Null(spec.Rollout);
        Assert.Null(spec.Adam);
    }

    [Fact]
    public void Empty_rollout_section_takes_the_classic_defaults()
    {
        // Mass-spring's classic example: from (1.5, 0), dt 1e-2, 2000 steps.
        var r = Load("rollout={}").Rollout!;
        var start = Assert.Single(r.Initial);
        Assert.Equal([1.5, 0.0], start);
        Assert.Equal(0, r.Count);
        Assert.Equal(1e-2, r.Dt);
        Assert.Equal(2000, r.Steps);
        Assert.Equal(["symplectic-euler", "euler"], r.Integrators);
        Assert.Equal(1e-12, r.ReferenceTolerance);
    }

    [Fact]
    public void Rollout_fields_are_read()
    {
        var r = Load("rollout={initial: [[2, 0], [1, 1]], dt: 0.05, t_end: 10, integrators: [rk4, leapfrog], reference_tol: 1e-10}").Rollout!;
        Assert.Equal(2, r.Initial.Count);
        Assert.Equal([1.0, 1.0], r.Initial[1]);
        Assert.Equal(200, r.Steps);
        Assert.Equal(["rk4", "verlet"], r.Integrators);
        Assert.Equal(1e-10, r.ReferenceTolerance);

        var sampled = Load("rollout={count: 5, seed: 7}").Rollout!;
        Assert.Empty(sampled.Initial);
        Assert.Equal(5, sampled.Count);
        Assert.Equal(7UL, sampled.Seed);
    }

    [Fact]
    public void Adam_defaults_are_the_reference_settings()
    {
        // docs/ALGORITHM.md §4 / issue 5: lr 5e-4, batch 2048, weight decay 1e-13, 15000 steps.
        var spec = Load("model.methods=[u-swim, adam]");
        Assert.Equal(new AdamSpec(5e-4, 2048, 1e-13, 15000), spec.Adam);
        Assert.Equal([Hnn.Pipeline.Planning.USwim.Instance], spec.Model.Methods);

        var custom = Load("model.methods=[adam]", "adam={learning_rate: 1e-3, batch_size: 256, steps: 100}");
        Assert.Equal(new AdamSpec(1e-3, 256, 1e-13, 100), custom.Adam);
        Assert.Empty(custom.Model.Methods);
    }

    [Fact]
    public void Adam_init_and_init_file_are_read()
    {
        Assert.Equal(AdamInit.TorchDefault, Load("model.methods=[adam]").Adam!.Init);
        Assert.Null(Load("model.methods=[adam]").Adam!.InitFile);
        Assert.Equal(AdamInit.Xavier, Load("model.methods=[adam]", "adam={init: xavier}").Adam!.Init);

        // init_file: relative to the pipeline file's folder; checked when the pipeline is loaded.
        using var box = new CliSandbox();
        Directory.CreateDirectory(Path.Combine(box.Root, "nets"));
        var csv = Path.Combine(box.Root, "nets", "init.csv");
        File.WriteAllText(csv, InitCsv(100));
        var spec = PipelineLoader.Load(box.Write("p.yaml", CliSandbox.SmallPipeline), ["model.methods=[adam]", "adam={init_file: nets/init.csv}"]);
        Assert.Equal(csv, spec.Adam!.InitFile);
    }

    /// <summary>An init file for one degree of freedom: w_q1,w_p1,b,c and <paramref name="width"/> rows.</summary>
    internal static string InitCsv(int width, int dof = 1) =>
        string.Join(",", Hnn.Pipeline.Data.NetworkFile.ColumnNames(dof)) + "\n"
        + string.Concat(Enumerable.Range(0, width).Select(j => string.Join(",", Enumerable.Range(0, (2 * dof) + 2).Select(i => FormattableString.Invariant($"{0.01 * (j + 1) * (i - 1.5)}"))) + "\n"));

    [Theory]
    [InlineData("adam={init: glorot}", null, "adam.init", "allowed: torch-default, xavier")]
    [InlineData("adam={init: torch-defualt}", null, "adam.init", "did you mean 'torch-default'")]
    [InlineData("adam={init_file: nope.csv}", null, "adam.init_file", "nope.csv: not found")]
    [InlineData("adam={init_file: nets}", null, "adam.init_file", "not a regular file")]
    [InlineData("adam={init_file: [a, b]}", null, "adam.init_file", "allowed: a path to a CSV file")]
    [InlineData("adam={init_file: i.csv}", "w_q1,w_p1,b\n1,2,3\n", "adam.init_file", "missing column(s) c")]
    [InlineData("adam={init_file: i.csv}", "w_q1,w_p1,b,c,c0\n1,2,3,4,5\n", "adam.init_file", "unexpected column(s) c0")]
    [InlineData("adam={init_file: i.csv}", "w_q1,w_p1,b,c\n1,2,3,4\n1,NaN,3,4\n", "adam.init_file", "i.csv:3: column 'w_p1' value 'NaN' is not allowed")]
    [InlineData("adam={init_file: i.csv}", "w_q1,w_p1,b,c\n1,2,3\n", "adam.init_file", "i.csv:2: 3 value(s)")]
    [InlineData("adam={init_file: i.csv}", "w_q1,w_p1,b,c\n", "adam.init_file", "no rows")]
    [InlineData("adam={init_file: i.csv}", "w_q1,w_p1,b,c\n1,2,3,4\n", "adam.init_file", "has 1 hidden neurons but model.widths is [100]")]
    [InlineData("adam={init_file: i.csv, init: xavier}", "WIDTH100", "adam.init", "not allowed with adam.init_file")]
    public async Task Bad_adam_init_values_name_the_field_and_what_is_allowed(string set, string? csv, string field, string hint)
    {
        using var box = new CliSandbox();
        Directory.CreateDirectory(Path.Combine(box.Root, "nets"));
        if (csv is not null)
        {
            File.WriteAllText(Path.Combine(box.Root, "i.csv"), csv == "WIDTH100" ? InitCsv(100) : csv);
        }

        var pipeline = box.Write("p.yaml", CliSandbox.SmallPipeline);
        var r = await CliSandbox.InvokeAsync(["validate", pipeline, "--set", "model.methods=[adam]", "--set", set]);
        CliAssert.BadInput(r, ["p.yaml", field, hint]);
    }

    [Fact]
    public async Task Rollout_without_a_system_is_rejected()
    {
        // A data file without a system has no true H to roll out against.
        var pipeline = Path.Combine(RepoRoot.Find(), "pipelines", "examples", "from-data.yaml");
        var r = await CliSandbox.InvokeAsync(["validate", pipeline, "--set", "rollout={}"]);
        CliAssert.BadInput(r, ["from-data.yaml", "rollout", "needs a system"]);
    }

    [Theory]
    [InlineData("rollout={integrators: [verlet, symplectic-eulr]}", "rollout.integrators[1]", "did you mean 'symplectic-euler'")]
    [InlineData("rollout={initial: [[1, 2, 3]]}", "rollout.initial[0]", "2 are needed")]
    [InlineData("rollout={dt: 0.03, t_end: 1}", "rollout.t_end", "whole number of steps")]
    [InlineData("rollout={dt: -1}", "rollout.dt", "must be > 0")]
    [InlineData("rollout={count: 2, initial: [[1, 0]]}", "rollout.count", "not both")]
    [InlineData("rollout={step: 10}", "rollout.step", "did you mean 'rollout.steps'")]
    [InlineData("adam={steps: 10}", "adam", "does not list adam")]
    [InlineData("model.methods=[adma]", "model.methods[0]", "did you mean 'adam'")]
    public async Task Bad_values_name_the_field_and_what_is_allowed(string set, string field, string hint)
    {
        using var box = new CliSandbox();
        var pipeline = box.Write("p.yaml", CliSandbox.SmallPipeline);
        var r = await CliSandbox.InvokeAsync(["validate", pipeline, "--set", set]);
        CliAssert.BadInput(r, ["p.yaml", field, hint]);
    }
}
