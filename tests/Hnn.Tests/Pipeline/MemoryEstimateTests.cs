using Hnn.Pipeline.Config;
using Xunit;

namespace Hnn.Tests.Pipeline;

public sealed class MemoryEstimateTests
{
    private static PipelineSpec Load(string relative, params string[] sets) =>
        PipelineLoader.Load(Path.Combine(RepoRoot.Find(), relative), sets);

    [Fact]
    public void A_width_that_cannot_fit_in_5_GB_is_refused_with_the_estimate_and_the_setting_to_change()
    {
        // The case: width 20,000-30,000 under a 5 GB heap limit died with OutOfMemoryException after seconds.
        var spec = Load("pipelines/paper/henon-heiles.yaml", "model.widths=[20000]");
        var e = Assert.Throws<InputException>(() => MemoryEstimate.Of(spec).EnsureFits("hh.yaml", 5_000_000_000));
        Assert.StartsWith("hh.yaml: the run needs an estimated ", e.Message, StringComparison.Ordinal);
        Assert.Contains("but 5 GB is available", e.Message, StringComparison.Ordinal);
        Assert.Contains("reduce model.widths", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Two_hundred_million_points_are_refused_naming_the_data_size()
    {
        var spec = Load("pipelines/quickstart.yaml", "data.train=200000000");
        var e = Assert.Throws<InputException>(() => MemoryEstimate.Of(spec).EnsureFits("q.yaml", 5_000_000_000));
        Assert.Contains("the largest part is data: reduce data.train", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Trajectories_too_many_to_hold_are_refused_naming_their_count_and_steps()
    {
        // FPUT (n = 8, 2d = 16): 200,000 trajectories x 240 steps = 4.8e7 rows, under the 5e7-step cap of the section;
        // their states and the rows' x and x' alone are 2 x (200000 x 241 x 16 + 4.8e7 x 32) x 8 bytes = 36.9 GB.
        var spec = Load("pipelines/examples/fput-trajectories.yaml", "data.trajectories.count=200000", "data.trajectories.steps=240");
        var e = Assert.Throws<InputException>(() => MemoryEstimate.Of(spec).EnsureFits("f.yaml", 5_000_000_000));
        Assert.Contains("the largest part is data: reduce data.trajectories.count / steps", e.Message, StringComparison.Ordinal);
        Assert.InRange(MemoryEstimate.Of(spec).Parts.Single(p => p.Name == "data").Bytes, 36.9e9, 37.0e9);
    }

    [Theory]
    // Measured peak RSS (GNU time, this machine): Henon-Heiles K = 20k at width 1000 (u-swim, with rollouts) 0.22 GB;
    // at width 5000 1.74 GB (docs/BENCHMARKS.md). The estimate must not be below what was measured, nor wildly above.
    [InlineData(1000, 0.22)]
    [InlineData(5000, 1.74)]
    public void The_estimate_brackets_measured_peaks(int width, double measuredGb)
    {
        var spec = Load("pipelines/paper/henon-heiles.yaml", $"model.widths=[{width}]", "model.methods=[u-swim]");
        var gb = MemoryEstimate.Of(spec).PeakBytes / 1e9;
        Assert.InRange(gb, 0.9 * measuredGb, 3 * measuredGb);
    }

    [Fact]
    public void Streamed_data_is_not_counted_as_held_in_memory()
    {
        // Measured: the 20M-point streamed double pendulum at width 500 peaked at 0.36 GB RSS (docs/BENCHMARKS.md §6)
        // for 1.45 GB of data on disk.
        var gb = MemoryEstimate.Of(Load("pipelines/scale/double-pendulum-stream-20m.yaml")).PeakBytes / 1e9;
        Assert.InRange(gb, 0.9 * 0.36, 3 * 0.36);
    }
}
