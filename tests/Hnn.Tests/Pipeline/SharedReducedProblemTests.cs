using Hnn.Datasets;
using Hnn.Pipeline.Config;
using Hnn.Pipeline.Execution;
using Hnn.Pipeline.Planning;
using Hnn.Pipeline.Store;
using Hnn.Stages.Numerics;
using Hnn.Stages.Rollout;
using Hnn.Stages.Sampling;
using Hnn.Stages.Training;
using Xunit;

namespace Hnn.Tests.Pipeline;

/// <summary>
/// The trajectory path's reduced-problem stage (StageCatalog.ReducedProblem): one TSQR pass over the training rows, shared
/// by trajectory-fit and error-bars, with the same numbers as the two passes it replaced.
/// </summary>
public sealed class SharedReducedProblemTests
{
    private static string Example(string name) => Path.Combine(RepoRoot.Find(), "pipelines", "examples", name);

    [Fact]
    public async Task One_tsqr_pass_over_the_rows_serves_the_fit_and_the_error_bars_and_a_cached_run_needs_none()
    {
        var root = Path.Combine(Path.GetTempPath(), "hnn-reduced-" + Guid.NewGuid().ToString("N"));
        try
        {
            var inner = LapackLinearAlgebra.TryCreate(out var lapack, out _) ? (ILinearAlgebra)lapack : new ManagedLinearAlgebra();
            var counting = new CountingLinearAlgebra(inner);
            var store = new ArtifactStore(Path.Combine(root, "store"));
            var spec = PipelineLoader.Load(Example("pendulum-trajectories.yaml"), ["data.trajectories.count=30", "data.trajectories.validation=5", "data.trajectories.test=5", "model.widths=[40]", "data.test=100"]);
            var runner = new PipelineRunner(store, counting, Serilog.Core.Logger.None);
            var results = await runner.RunAsync(spec, CancellationToken.None);
            Assert.Single(results);

            // A-SWIM: the first stage's fit (its own hidden layer) and the final layer's shared reduced problem: 2 passes over
            // the 400 training rows (20 trajectories x 20 steps, 2 coordinates); before the shared stage the error bars made a third.
            // Since reduced-problem version 2 the final pass also feeds a second accumulator from the same blocks: the N = 40
            // columns of the differenced rows (docs/ALGORITHM.md §2.6), 400 + 20 rows (one more per trajectory).
            Assert.Equal(2, counting.PassesOver(40 + 2));
            Assert.Equal(3, counting.Passes);
            Assert.Equal([420L], counting.RowsOf(40));
            Assert.Single(runner.Records, r => r.Stage == "reduced-problem" && !r.Cached);
            Assert.Contains(runner.Records, r => r.Stage == "trajectory-fit" && !r.Cached);
            Assert.Contains(runner.Records, r => r.Stage == "error-bars" && !r.Cached);

            // Another band on the same store: only error-bars is computed, from the stored reduced problem — no pass at all.
            var calibrated = PipelineLoader.Load(Example("pendulum-trajectories.yaml"), ["data.trajectories.count=30", "data.trajectories.validation=5", "data.trajectories.test=5", "model.widths=[40]", "data.test=100", "model.error_bars=trajectories"]);
            var again = new CountingLinearAlgebra(inner);
            var second = new PipelineRunner(store, again, Serilog.Core.Logger.None);
            await second.RunAsync(calibrated, CancellationToken.None);
            Assert.Equal(0, again.Passes);
            Assert.Contains(second.Records, r => r.Stage == "reduced-problem" && r.Cached);
            Assert.All(second.Records.Where(r => r.Stage != "reduced-problem"), r => Assert.True(r.Cached == (r.Stage != "error-bars"), $"{r.Stage} cached: {r.Cached}"));
        }
        finally
        {
            try
            {
                Directory.Delete(root, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    [Fact]
    public void The_stored_reduced_problem_gives_the_fit_of_a_fresh_pass_bit_for_bit()
    {
        var system = new SinglePendulum();
        var domain = Domain.Uniform(1, new Interval(-Math.PI, Math.PI), new Interval(-1, 1));
        var all = TrajectoryGenerator.Generate(system, domain, new TrajectorySettings(40, 0.1, 10, 1e-3, NoiseKind.Relative, 5));
        var split = all.Split(10, 5, 5);
        var rows = Formulations.Rows(split.Train, TargetFormulation.Midpoint);
        var anchor = new Anchor([0.0, 0.0], 0.0);
        var la = new ManagedLinearAlgebra();
        var hidden = SwimStages.Sample(rows.X, null, 50, 3);
        var spec = new RegularisationSpec(RegularisationSpec.AutoMode, 0, RegularisationKind.Ridge, AutoCriterion.Validation);

        var fresh = PipelineRunner.RegularisedFit(la, hidden, rows, split.Validation, anchor, spec);
        var stored = PipelineRunner.DecodeReduced(PipelineRunner.EncodeReduced(ReducedProblem.FromRows(la, hidden, rows.X, rows.Dx, anchor)));
        var shared = PipelineRunner.RegularisedFit(la, stored, hidden, rows, split.Validation, anchor, spec, domain);
        Assert.Equal(fresh.Value, shared.Value);
        Assert.Equal(fresh.Network.Coefficients, shared.Network.Coefficients);
        Assert.Equal(fresh.Network.OutputBias, shared.Network.OutputBias);
    }

    /// <summary>Counts the passes over data rows: QR accumulators that absorbed more than one row through Absorb (the folds absorb triangles and one anchor row).</summary>
    private sealed class CountingLinearAlgebra(ILinearAlgebra inner) : ILinearAlgebra
    {
        private readonly List<CountingAccumulator> _created = [];

        public int Passes
        {
            get
            {
                lock (_created)
                {
                    return _created.Count(a => a.DataRows > 1);
                }
            }
        }

        /// <summary>Passes over data rows by accumulators of <paramref name="cols"/> columns.</summary>
        public int PassesOver(int cols)
        {
            lock (_created)
            {
                return _created.Count(a => a.DataRows > 1 && a.Cols == cols);
            }
        }

        /// <summary>The data rows each accumulator of <paramref name="cols"/> columns absorbed.</summary>
        public long[] RowsOf(int cols)
        {
            lock (_created)
            {
                return [.. _created.Where(a => a.DataRows > 1 && a.Cols == cols).Select(a => a.DataRows)];
            }
        }

        public string Name => inner.Name;

        public bool IsNative => inner.IsNative;

        public int Threads => inner.Threads;

        public LeastSquaresResult SolveLeastSquares(ReadOnlySpan<double> a, int m, int n, ReadOnlySpan<double> b, int nrhs, double rcond) => inner.SolveLeastSquares(a, m, n, b, nrhs, rcond);

        public SvdResult Svd(ReadOnlySpan<double> a, int m, int n) => inner.Svd(a, m, n);

        public IQrAccumulator CreateQrAccumulator(int cols)
        {
            var acc = new CountingAccumulator(inner.CreateQrAccumulator(cols));
            lock (_created)
            {
                _created.Add(acc);
            }

            return acc;
        }

        public ILinearAlgebra WithThreads(int threads) => new Shared(this, inner.WithThreads(threads));

        /// <summary>The same counter over another thread count.</summary>
        private sealed class Shared(CountingLinearAlgebra counter, ILinearAlgebra threaded) : ILinearAlgebra
        {
            public string Name => threaded.Name;

            public bool IsNative => threaded.IsNative;

            public int Threads => threaded.Threads;

            public LeastSquaresResult SolveLeastSquares(ReadOnlySpan<double> a, int m, int n, ReadOnlySpan<double> b, int nrhs, double rcond) => threaded.SolveLeastSquares(a, m, n, b, nrhs, rcond);

            public SvdResult Svd(ReadOnlySpan<double> a, int m, int n) => threaded.Svd(a, m, n);

            public IQrAccumulator CreateQrAccumulator(int cols)
            {
                var acc = new CountingAccumulator(threaded.CreateQrAccumulator(cols));
                lock (counter._created)
                {
                    counter._created.Add(acc);
                }

                return acc;
            }

            public ILinearAlgebra WithThreads(int threads) => new Shared(counter, threaded.WithThreads(threads));
        }
    }

    private sealed class CountingAccumulator(IQrAccumulator inner) : IQrAccumulator
    {
        public long DataRows { get; private set; }

        public int Cols => inner.Cols;

        public long RowsAbsorbed => inner.RowsAbsorbed;

        public int RowsInR => inner.RowsInR;

        public void Absorb(ReadOnlySpan<double> block, int rows)
        {
            DataRows += rows;
            inner.Absorb(block, rows);
        }

        public void AbsorbUpperTrapezoidal(double[] block, int rows) => inner.AbsorbUpperTrapezoidal(block, rows);

        public void CopyR(int rows, int firstCol, int cols, Span<double> destination) => inner.CopyR(rows, firstCol, cols, destination);

        public void Merge(IQrAccumulator other) => inner.Merge(other is CountingAccumulator c ? c.Inner : other);

        public double[] GetR(out int rows) => inner.GetR(out rows);

        private IQrAccumulator Inner => inner;
    }
}
