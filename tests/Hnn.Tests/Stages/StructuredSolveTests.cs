using Hnn.Datasets;
using Hnn.Pipeline.Execution;
using Hnn.Stages.Model;
using Hnn.Stages.Numerics;
using Hnn.Stages.Sampling;
using Hnn.Stages.Training;
using Xunit;

namespace Hnn.Tests.Stages;

/// <summary>
/// One structured solve (<see cref="StructuredSolve"/>): the sequential <see cref="OutputLayer.Fit"/> is its single-lane
/// case and the pipeline's Dataflow executor (<see cref="ParallelFit"/>) runs the same function, so their results are
/// the same bits; the scheduler changes nothing. Mass-spring over [-5, 5]^2, K = 1500, U-SWIM width 120, 256-row
/// chunks.
/// </summary>
public sealed class StructuredSolveTests
{
    private static (HiddenLayer Hidden, double[][] X, double[][] Dx, Anchor Anchor) Problem()
    {
        var system = SystemRegistry.Create("mass-spring");
        var domain = Domain.Uniform(1, new Interval(-5, 5), new Interval(-5, 5));
        var data = DataGenerator.Sample(system, domain, 1500, Rng.Derive(5, "data"));
        var x0 = system.DefaultAnchor!;
        return (SwimStages.Sample(data.X, null, 120, 5), data.X, data.Dx, new Anchor(x0, system.Energy(x0)));
    }

    public static TheoryData<string> BackendNames => ["managed", "lapack"];

    private static bool Bitwise(FitResult a, FitResult b) =>
        a.Rank == b.Rank && a.Network.Coefficients.SequenceEqual(b.Network.Coefficients) && a.Network.OutputBias.Equals(b.Network.OutputBias);

    [Theory]
    [MemberData(nameof(BackendNames))]
    public async Task OutputLayer_Fit_is_the_single_lane_case_of_the_production_solve(string backend)
    {
        if (backend == "lapack" && !Numerics.Backends.LapackAvailable(out _))
        {
            return;
        }

        var la = StageTestSupport.Backend(backend);
        var (hidden, x, dx, anchor) = Problem();
        var sequential = OutputLayer.Fit(la.WithThreads(2), hidden, x, dx, anchor, 1e-13, SolveMode.Structured, chunkRows: 256);
        var production = await ParallelFit.FitAsync(la, hidden, x, dx, anchor, 1e-13, 256, 1, new ComputeBudget(2, 1), null, CancellationToken.None);
        Assert.True(Bitwise(sequential, production), "OutputLayer.Fit differs from the one-lane production solve");
    }

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    public async Task The_Dataflow_executor_and_the_in_order_scheduler_give_the_same_bits(int lanes)
    {
        var la = StageTestSupport.Backend(Numerics.Backends.LapackAvailable(out _) ? "lapack" : "managed");
        var (hidden, x, dx, anchor) = Problem();
        var budget = new ComputeBudget(2, 1);
        var production = await ParallelFit.FitAsync(la, hidden, x, dx, anchor, 1e-13, 256, lanes, budget, null, CancellationToken.None);
        var inOrder = StructuredSolve.Fit(la, hidden, x, dx, anchor, new StructuredSolveSettings(1e-13, 256, lanes, Truncation.Svd), budget.Solve);
        Assert.True(Bitwise(production, inOrder), $"{lanes} lanes: the executor's result differs from the in-order one");

        // The reduced problem is reachable before truncation, and its SVD truncation is the fit's.
        var reduced = await StructuredSolve.ReduceAsync(la, hidden, x[0].Length, StructuredSolve.FromArrays(hidden, x, dx, 256), anchor,
            new StructuredSolveSettings(1e-13, 256, lanes, Truncation.Svd), budget.Solve, null, null, null, CancellationToken.None);
        Assert.Equal(hidden.Width + 1, reduced.Triangle.Cols);
        Assert.True(Bitwise(production, StructuredSolve.Truncate(reduced, 1e-13, Truncation.Svd)));
    }

    [Fact]
    public void Blocks_start_square_and_lanes_split_the_rows_contiguously()
    {
        Assert.Equal(122, StructuredSolve.BlockRows(0, 0, 1000, 64, 122)); // first block at least N + 2d rows
        Assert.Equal(64, StructuredSolve.BlockRows(122, 0, 1000, 64, 122));
        Assert.Equal(10, StructuredSolve.BlockRows(990, 0, 1000, 64, 122));
        Assert.Equal((333, 666), StructuredSolve.LaneRows(1, 3, 1000));
        Assert.Equal(3, StructuredSolve.EffectiveLanes(8, 1000, 400));
        var budget = new SolveBudget(Cores: 2, ChunkDegree: 2);
        Assert.Equal(1, budget.LaneBlasThreads(2));
        Assert.Equal(2, budget.LaneBlasThreads(1));
        Assert.Equal(2, budget.SolveBlasThreads);
        Assert.Equal(2, budget.ConcurrentLanes(4));
    }
}
