using Xunit;

namespace Hnn.Tests.Pipeline;

/// <summary>A streamed pipeline (data.stream_rows) end to end: all four methods, resumed from the cache; bad settings.</summary>
[Collection(CliCollection.Name)]
public sealed class StreamedPipelineTests
{
    private static readonly string[] Streamed = ["data.train=3000", "data.test=1000", "data.stream_rows=1024"];

    [Fact]
    public async Task Streamed_run_of_all_four_methods_resumes_from_the_cache()
    {
        using var box = new CliSandbox();
        var pipeline = box.Write("p.yaml", CliSandbox.SmallPipeline);
        var first = await box.RunAsync(pipeline, Streamed);
        Assert.True(first.ExitCode == 0, first.ToString());
        var numbers = CliSandbox.Numbers(CliSandbox.RunDirectoryOf(first));
        Assert.Equal(4, numbers.Count);
        // test H of mass-spring at width 100: the SWIM family reaches 2.6e-5 here (measured), ELM at this width only 1.2e-2.
        Assert.All(numbers.Where(n => !n.Key.StartsWith("elm", StringComparison.Ordinal)), n => Assert.InRange(n.Value.Errors[3], 0, 1e-4));
        Assert.InRange(numbers.Single(n => n.Key.StartsWith("elm", StringComparison.Ordinal)).Value.Errors[3], 0, 0.1);

        // One data artifact (4 row groups of <= 1024 rows), no split stage.
        var stages = CliSandbox.Stages(CliSandbox.RunDirectoryOf(first));
        Assert.Single(stages, s => s.Stage == "generate-stream");
        Assert.DoesNotContain(stages, s => s.Stage is "split" or "generate");
        Assert.Single(box.ArtifactFiles("generate-stream"));

        var second = await box.RunAsync(pipeline, Streamed);
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.All(CliSandbox.Stages(CliSandbox.RunDirectoryOf(second)), s => Assert.True(s.Cached, s.Stage));
        CliSandbox.AssertSameNumbers(numbers, CliSandbox.Numbers(CliSandbox.RunDirectoryOf(second)));
    }

    [Theory]
    [InlineData(new[] { "data.stream_rows=10" }, new[] { "data.stream_rows", "10", "integer in [1024" })]
    [InlineData(new[] { "model.swim_candidates=5000" }, new[] { "model.swim_candidates", "5000", "without data.stream_rows" })]
    [InlineData(new[] { "data.stream_rows=2048", "model.swim_candidates=50" }, new[] { "model.swim_candidates", "50", "largest width (100)" })]
    [InlineData(new[] { "data.stream_rows=2048", "model.methods=[u-swim, adam]" }, new[] { "model.methods", "adam is not allowed with data.stream_rows" })]
    [InlineData(new[] { "data.stream_rows=2048", "solver.mode=full" }, new[] { "solver.mode", "full is not allowed with data.stream_rows" })]
    [InlineData(new[] { "data.stream_rows=2048", "model.a_swim_first={width_fraction: 0.5}" }, new[] { "model.a_swim_first", "data.stream_rows" })]
    public async Task Bad_stream_settings_are_bad_input(string[] sets, string[] expected)
    {
        using var box = new CliSandbox();
        var pipeline = box.Write("p.yaml", CliSandbox.SmallPipeline);
        var r = await CliSandbox.InvokeAsync(["validate", pipeline, .. sets.SelectMany(s => new[] { "--set", s })]);
        CliAssert.BadInput(r, ["p.yaml", .. expected]);
    }
}
