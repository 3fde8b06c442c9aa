using Hnn.Pipeline.Execution;
using Hnn.Pipeline.Models;
using Xunit;

namespace Hnn.Tests.Pipeline;

/// <summary>Issue 16: method hig inside a pipeline — the adam baseline's network and data, trained by HIG, cached like every stage.</summary>
[Collection(CliCollection.Name)]
public sealed class HigPipelineTests
{
    private static readonly string[] Sets = ["model.methods=[u-swim, adam, hig]", "model.widths=[16]", "adam={steps: 100, batch_size: 128, learning_rate: 1e-2}", "hig={steps: 100}", "rollout={steps: 50}"];

    [Fact]
    public async Task Hig_runs_next_to_adam_and_a_sampled_method_and_resumes_from_the_cache()
    {
        using var box = new CliSandbox();
        var pipeline = box.Write("p.yaml", CliSandbox.SmallPipeline);
        var first = await box.RunAsync(pipeline, Sets);
        Assert.True(first.ExitCode == 0, first.ToString());
        var runDir = CliSandbox.RunDirectoryOf(first);
        var results = CliSandbox.Results(runDir);
        var hig = results["hig w16 d3943 m992472"];
        var adam = results["adam w16 d3943 m992472"];
        var uswim = results["u-swim w16 d3943 m992472"];

        // All three on the same test set; hig has no rank. Measured with `hnn run` and these settings (mass-spring on
        // [-5, 5]^2, width 16, both from the same torch-default initial network, OpenBLAS Haswell and Prescott alike):
        // hig test H 1.00e-2 after 100 steps, adam 4.81e-1 after its 100, u-swim 7.24e-2. HIG must learn (error well
        // below 1) and beat adam's 100 steps.
        var higError = hig.GetProperty("test").GetProperty("h").GetDouble();
        var adamError = adam.GetProperty("test").GetProperty("h").GetDouble();
        Assert.InRange(higError, 1e-8, 0.1);
        Assert.True(higError < adamError, $"hig {higError} vs adam {adamError}");
        Assert.Equal(-1, hig.GetProperty("rank").GetInt32());
        Assert.Equal(uswim.GetProperty("test").GetProperty("count").GetInt64(), hig.GetProperty("test").GetProperty("count").GetInt64());
        Assert.Contains(CliSandbox.Stages(runDir), s => s.Stage == "hig-train" && !s.Cached);
        Assert.Contains(CliSandbox.Stages(runDir), s => s.Stage == "hig-loss" && !s.Cached);
        Assert.True(File.Exists(Path.Combine(runDir, "report", "figures", "loss-hig.png")));

        // hnn export finds hig's network (stage hig-train) like any model: the stored weights, bit for bit.
        var export = await CliSandbox.InvokeAsync(["export", "latest", "--store", box.StoreRoot, "--method", "hig", "--format", "parquet"]);
        Assert.True(export.ExitCode == 0, export.ToString());
        var exported = HamiltonianModel.Load(Path.Combine(runDir, "models", "hig-w16-m992472-d3943.parquet"));
        var stored = Codecs.ToNetwork((await box.Store().TryReadAsync("hig-train", hig.GetProperty("keys").GetProperty("hig-train").GetString()!))!, 2).Network;
        Assert.Equal(stored.Coefficients, exported.Network.Coefficients);
        Assert.Equal(stored.Hidden.Biases, exported.Network.Hidden.Biases);

        // A rerun loads everything, hig's network and loss included, and gives the same numbers.
        var second = await box.RunAsync(pipeline, Sets);
        Assert.True(second.ExitCode == 0, second.ToString());
        var secondDir = CliSandbox.RunDirectoryOf(second);
        Assert.All(CliSandbox.Stages(secondDir), s => Assert.True(s.Cached, $"{s.Stage} {s.Key} recomputed"));
        CliSandbox.AssertSameNumbers(CliSandbox.Numbers(runDir), CliSandbox.Numbers(secondDir));

        // Without its loss history in the store, training is repeated (deterministically) to restore it.
        var lossKey = CliSandbox.Stages(runDir).First(s => s.Stage == "hig-loss").Key;
        Assert.True(box.Store().Delete("hig-loss", lossKey));
        var third = await box.RunAsync(pipeline, Sets);
        Assert.True(third.ExitCode == 0, third.ToString());
        var thirdDir = CliSandbox.RunDirectoryOf(third);
        Assert.Contains(CliSandbox.Stages(thirdDir), s => s.Stage == "hig-loss" && !s.Cached);
        Assert.Contains(CliSandbox.Stages(thirdDir), s => s.Stage == "hig-train" && s.Cached);
        CliSandbox.AssertSameNumbers(CliSandbox.Numbers(runDir), CliSandbox.Numbers(thirdDir));

        // Changing a hig setting retrains hig only.
        var fourth = await box.RunAsync(pipeline, [.. Sets, "hig.truncation=1e-8"]);
        Assert.True(fourth.ExitCode == 0, fourth.ToString());
        var stages = CliSandbox.Stages(CliSandbox.RunDirectoryOf(fourth));
        Assert.Contains(stages, s => s.Stage == "hig-train" && !s.Cached);
        Assert.All(stages.Where(s => s.Stage is "sample" or "fit" or "train" or "loss" or "split" or "generate" or "reference"), s => Assert.True(s.Cached, $"{s.Stage} recomputed"));
    }
}
