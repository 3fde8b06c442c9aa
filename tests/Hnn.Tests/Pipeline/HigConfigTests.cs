using System.Text.Json;
using Hnn.Pipeline;
using Hnn.Pipeline.Cli;
using Hnn.Pipeline.Config;
using Hnn.Stages.Baseline;
using Xunit;

namespace Hnn.Tests.Pipeline;

/// <summary>The hig: section and method hig: defaults, overrides, the JSON form and bad input.</summary>
[Collection(CliCollection.Name)]
public sealed class HigConfigTests
{
    private static PipelineSpec Load(params string[] sets)
    {
        using var box = new CliSandbox();
        return PipelineLoader.Load(box.Write("p.yaml", CliSandbox.SmallPipeline), sets);
    }

    [Fact]
    public void Without_hig_in_the_methods_there_is_no_hig_and_the_json_form_has_no_hig_section()
    {
        var spec = Load();
        Assert.Null(spec.Hig);
        Assert.False(RunManifest.SpecToJson(spec).TryGetProperty("hig", out _));
    }

    [Fact]
    public void Hig_defaults_are_the_trainers_and_settings_override_them()
    {
        var spec = Load("model.methods=[u-swim, hig]");
        Assert.Equal(new HigSpec(HigSettings.Default.LearningRate, HigSettings.Default.BatchSize, HigSettings.Default.Truncation, HigSettings.Default.Steps), spec.Hig);
        Assert.Equal(new HigSpec(1, 32, 1e-10, 15000), spec.Hig); // the HIG study's settings and 15000 steps
        Assert.Equal(AdamInit.TorchDefault, spec.Hig!.Init);
        Assert.Equal(2, spec.MethodCount);

        var custom = Load("model.methods=[hig, adam]", "hig={learning_rate: 0.5, batch_size: 64, truncation: 1e-8, steps: 100, init: xavier}");
        Assert.Equal(new HigSpec(0.5, 64, 1e-8, 100) { Init = AdamInit.Xavier }, custom.Hig);
        Assert.Equal(new HigSettings(0.5, 64, 1e-8, 100, 1) { Init = AdamInit.Xavier }, custom.Hig!.Settings);
        Assert.Equal(2, custom.MethodCount);

        // The JSON form (validate, manifest.json): hig listed in model.methods and its section right after adam's.
        var json = RunManifest.SpecToJson(custom);
        Assert.Equal(["adam", "hig"], json.GetProperty("model").GetProperty("methods").EnumerateArray().Select(m => m.GetString()));
        var names = json.EnumerateObject().Select(p => p.Name).ToList();
        Assert.Equal(names.IndexOf("adam") + 1, names.IndexOf("hig"));
        var hig = json.GetProperty("hig");
        Assert.Equal(0.5, hig.GetProperty("learning_rate").GetDouble());
        Assert.Equal(64, hig.GetProperty("batch_size").GetInt32());
        Assert.Equal(1e-8, hig.GetProperty("truncation").GetDouble());
        Assert.Equal(100, hig.GetProperty("steps").GetInt32());
        Assert.Equal("xavier", hig.GetProperty("init").GetString());
    }

    [Fact]
    public void The_memory_estimate_has_hig_s_jacobian()
    {
        // Width 100, d = 1, batch 32: 4 x (32 x 2) x (4 x 100) doubles = 819200 bytes.
        var estimate = MemoryEstimate.Of(Load("model.methods=[hig]"));
        var part = Assert.Single(estimate.Parts, p => p.Name == "hig Jacobian and SVD");
        Assert.Equal(4.0 * 64 * 400 * 8, part.Bytes);
    }

    [Theory]
    [InlineData("hig={steps: 10}", "hig", "does not list hig")]
    [InlineData("hig={learning_rate: 0}", "hig.learning_rate", "must be in (0, 1000]")]
    [InlineData("hig={truncation: 1}", "hig.truncation", "must be in [0, 1)")]
    [InlineData("hig={truncation: -1e-3}", "hig.truncation", "must be in [0, 1)")]
    [InlineData("hig={batch_size: 0}", "hig.batch_size", "'0' is not allowed")]
    [InlineData("hig={steps: 0}", "hig.steps", "'0' is not allowed")]
    [InlineData("hig={init: glorot}", "hig.init", "allowed: torch-default, xavier")]
    [InlineData("hig={lr: 1}", "hig.lr", "unknown key; allowed keys: learning_rate, batch_size, truncation, steps, init")]
    [InlineData("model.methods=[hgi]", "model.methods[0]", "did you mean 'hig'")]
    [InlineData("data.stream_rows=1024", "model.methods", "hig is not allowed with data.stream_rows")]
    public async Task Bad_values_name_the_field_and_what_is_allowed(string set, string field, string hint)
    {
        using var box = new CliSandbox();
        var pipeline = box.Write("p.yaml", CliSandbox.SmallPipeline);
        var methods = set.StartsWith("hig={steps", StringComparison.Ordinal) || set.StartsWith("model.methods", StringComparison.Ordinal) ? "model.methods=[elm]" : "model.methods=[hig]";
        var r = await CliSandbox.InvokeAsync(["validate", pipeline, "--set", methods, "--set", set]);
        CliAssert.BadInput(r, ["p.yaml", field, hint]);
    }

    [Fact]
    public async Task A_step_jacobian_beyond_one_array_is_refused()
    {
        // 10000 rows x 2 outputs x (2 + 2) x 30000 parameters = 2.4e9 entries > Array.MaxLength.
        using var box = new CliSandbox();
        var pipeline = box.Write("p.yaml", CliSandbox.SmallPipeline);
        var r = await CliSandbox.InvokeAsync(["validate", pipeline, "--set", "model.methods=[hig]", "--set", "data.train=10000", "--set", "model.widths=[30000]", "--set", "hig.batch_size=10000"]);
        CliAssert.BadInput(r, ["p.yaml", "hig.batch_size", "the step's Jacobian would have 2400000000 entries"]);
    }
}
