using Xunit;

namespace Hnn.Tests.Pipeline;

/// <summary>Every key the README documents is accepted (the README's config block is the contract).</summary>
[Collection(CliCollection.Name)]
public sealed class ConfigKeysTests
{
    [Theory]
    [InlineData("model.elm_bias=[-4,4]")]
    [InlineData("solver.lanes=3")]
    [InlineData("solver.chunk_rows=512")]
    [InlineData("solver.mode=full")]
    [InlineData("solver.backend=managed")]
    [InlineData("run.parallelism=2")]
    [InlineData("model.a_swim_first={train_fraction: 0.5, width_fraction: 0.5}")]
    public async Task Documented_keys_validate(string set)
    {
        using var box = new CliSandbox();
        var pipeline = box.Write("p.yaml", CliSandbox.SmallPipeline);
        var r = await CliSandbox.InvokeAsync(["validate", pipeline, "--set", set]);
        Assert.True(r.ExitCode == 0, r.ToString());
    }

    [Fact]
    public async Task Seed_and_seeds_are_both_accepted_but_not_together()
    {
        using var box = new CliSandbox();
        var single = box.Write("single.yaml", CliSandbox.SmallPipeline
            .Replace("seeds: [992472]", "seed: 992472", StringComparison.Ordinal)
            .Replace("seed: 3943", "seeds: [3943, 1]", StringComparison.Ordinal));
        var ok = await CliSandbox.InvokeAsync(["validate", single]);
        Assert.True(ok.ExitCode == 0, ok.ToString());

        var both = await CliSandbox.InvokeAsync(["validate", single, "--set", "model.seeds=[1,2]"]);
        Assert.Equal(2, both.ExitCode);
        Assert.Contains("give either model.seed or model.seeds", both.Stderr, StringComparison.Ordinal);
    }
}
