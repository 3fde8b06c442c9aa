using Hnn.Stages.Model;
using Hnn.Stages.Numerics;

namespace Hnn.Stages.Training;

/// <summary>
/// The cores and BLAS threads a fit may use, handed to it explicitly (nothing in the solve reads the machine or
/// changes a process-wide setting). BLAS threads per call depend on <see cref="Cores"/> and the lanes only, so they
/// fix the rounding; <see cref="ChunkDegree"/> only says how many lanes run at once.
/// </summary>
/// <param name="Cores">Cores the fit's BLAS calls may share (at least 1).</param>
/// <param name="ChunkDegree">Pieces of one fit that may run at once (at least 1; scheduling only).</param>
public sealed record SolveBudget(int Cores, int ChunkDegree)
{
    /// <summary>One piece at a time, every call under <paramref name="la"/>'s own thread count (the single-lane solve).</summary>
    public static SolveBudget Sequential(ILinearAlgebra la)
    {
        ArgumentNullException.ThrowIfNull(la);
        return new(Math.Max(1, la.Threads), 1);
    }

    /// <summary>Lanes of a fit that run at once (scheduling only).</summary>
    public int ConcurrentLanes(int lanes) => Math.Clamp(ChunkDegree, 1, Math.Max(1, lanes));

    /// <summary>BLAS threads inside each lane's calls: the cores shared by the lanes (a function of cores and lanes only).</summary>
    public int LaneBlasThreads(int lanes) => Math.Max(1, Cores / Math.Clamp(lanes, 1, Math.Max(1, Cores)));

    /// <summary>BLAS threads of the reduced solve (one large factorisation wants every core).</summary>
    public int SolveBlasThreads => Math.Max(1, Cores);
}

/// <summary>
/// Runs <c>body(0) .. body(count - 1)</c>, at most <c>concurrency</c> at once, and completes when all have (the first
/// fault surfaced). The bodies write disjoint outputs, so a scheduler changes speed, never a result. The executor in
/// src/Pipeline supplies a Dataflow one; <see cref="StructuredSolve.InOrder"/> runs them one after another.
/// </summary>
public delegate Task LaneScheduler(int count, int concurrency, Func<int, Task> body, CancellationToken ct);

/// <summary>
/// Absorbs the training rows [<paramref name="laneStart"/>, <paramref name="laneEnd"/>) into <paramref name="acc"/>
/// in the blocks <see cref="StructuredSolve.BlockRows"/> gives, calling <paramref name="absorbed"/> with each block's rows.
/// </summary>
public delegate Task LaneAbsorber(IQrAccumulator acc, int laneStart, int laneEnd, Action<int> absorbed, CancellationToken ct);

/// <summary>The settings that fix a structured solve's result: rcond, rows per block, lanes and the truncation.</summary>
public sealed record StructuredSolveSettings(double Rcond, int ChunkRows, int Lanes, Truncation Truncation)
{
    /// <summary>One lane, default chunking, the SVD truncation.</summary>
    public static StructuredSolveSettings Default(double rcond) => new(rcond, OutputLayer.DefaultChunkRows, 1, Truncation.Default);
}

/// <summary>Points of a structured solve an observer (progress, timings) may want to hear about.</summary>
public enum SolvePhase
{
    /// <summary>Every lane absorbed and the partial factors merged: the R factor of [S | U] is complete.</summary>
    QrDone,

    /// <summary>The reduced problem is truncated and solved.</summary>
    SolveDone,
}

/// <summary>
/// The reduced system of docs/ALGORITHM.md §2.3 before truncation (Regularisation works on its numbers as a <see cref="ReducedProblem"/>): the (N + 1) x (N + 1) triangle R_A and Q^T y
/// (<see cref="LinearSystem.A"/>, <see cref="LinearSystem.B"/>), with the singular values of the reduced matrix,
/// and the view (BLAS threads) the truncation should run under.
/// </summary>
public sealed record ReducedSystem(HiddenLayer Hidden, LinearSystem Triangle, ILinearAlgebra SolveLa);

/// <summary>
/// The structured solve of docs/ALGORITHM.md §2.3 as one pure function: row blocks of [S | U] absorbed into
/// <c>lanes</c> partial QR factors (lane l takes the l-th contiguous share of the rows), the partial R factors merged
/// as a fixed tree, the reduced problem folded into its (N + 1)-square triangle and truncated (<see cref="Truncation"/>).
/// The lanes and the chunking fix the order of floating-point operations; every BLAS call runs under the thread count
/// <see cref="SolveBudget"/> gives for them; the <see cref="LaneScheduler"/> only decides what runs at once. So the
/// result is a function of the inputs, the settings and <see cref="SolveBudget.Cores"/>. <see cref="OutputLayer.Fit"/>
/// is the single-lane case, and the pipeline's executor runs the same function with a Dataflow scheduler.
/// Peak memory: O(concurrent lanes x chunk x N + lanes x N^2), independent of the number of rows.
/// </summary>
public static class StructuredSolve
{
    /// <summary>Runs the bodies one after another, in order (the sequential scheduler).</summary>
    public static async Task InOrder(int count, int concurrency, Func<int, Task> body, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(body);
        for (var i = 0; i < count; i++)
        {
            ct.ThrowIfCancellationRequested();
            await body(i).ConfigureAwait(false);
        }
    }

    /// <summary>Lanes actually used: no more than there are chunks.</summary>
    public static int EffectiveLanes(int lanes, int rows, int chunkRows) =>
        Math.Max(1, Math.Min(lanes, (rows + chunkRows - 1) / chunkRows));

    /// <summary>Rows [start, end) of lane <paramref name="lane"/> of <paramref name="lanes"/> over <paramref name="rows"/> rows.</summary>
    public static (int Start, int End) LaneRows(int lane, int lanes, int rows) =>
        ((int)((long)lane * rows / lanes), (int)((long)(lane + 1) * rows / lanes));

    /// <summary>
    /// Rows of the block starting at <paramref name="start"/> of the lane [laneStart, laneEnd): the first block has at
    /// least <paramref name="cols"/> rows, so R is square from the start and every later chunk is one dtpqrt (growing
    /// the triangle chunk by chunk would re-factor ever taller stacks: at N = 5000 and 1024-row chunks that doubled
    /// the QR's flops); later blocks have <paramref name="chunkRows"/> rows, the last what is left.
    /// </summary>
    public static int BlockRows(int start, int laneStart, int laneEnd, int chunkRows, int cols) =>
        Math.Min(start == laneStart ? Math.Max(chunkRows, cols) : chunkRows, laneEnd - start);

    /// <summary>Frees the dead large arrays between the phases of a wide fit (see <see cref="FitMemory"/>).</summary>
    public static void ReleaseMemory(int cols) => FitMemory.Release(cols);

    /// <summary>The lane absorber over training data in memory (columns <paramref name="x"/>, <paramref name="dx"/>).</summary>
    public static LaneAbsorber FromArrays(HiddenLayer hidden, double[][] x, double[][] dx, int chunkRows)
    {
        ArgumentNullException.ThrowIfNull(hidden);
        GradientSystem.CheckData(hidden, x, dx);
        var cols = hidden.Width + dx.Length;
        return (acc, laneStart, laneEnd, absorbed, ct) =>
        {
            var buffer = GC.AllocateUninitializedArray<double>(BlockRows(laneStart, laneStart, laneEnd, chunkRows, cols) * cols);
            for (var start = laneStart; start < laneEnd;)
            {
                ct.ThrowIfCancellationRequested();
                var count = BlockRows(start, laneStart, laneEnd, chunkRows, cols);
                var block = buffer.AsSpan(0, count * cols);
                GradientSystem.AugmentedBlock(hidden, x, dx, start, count, block);
                acc.Absorb(block, count);
                start += count;
                absorbed(count);
            }

            return Task.CompletedTask;
        };
    }

    /// <summary>The structured fit on data in memory, lanes one after another (no scheduler, no observer).</summary>
    public static FitResult Fit(ILinearAlgebra la, HiddenLayer hidden, double[][] x, double[][] dx, Anchor anchor,
        StructuredSolveSettings settings, SolveBudget budget, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        CheckSettings(settings);
        var task = FitAsync(la, hidden, x[0].Length, FromArrays(hidden, x, dx, settings.ChunkRows), anchor, settings, budget, InOrder, null, null, ct);
        return task.GetAwaiter().GetResult(); // InOrder over in-memory lanes completes synchronously
    }

    /// <summary>
    /// The whole structured fit: <see cref="ReduceAsync"/>, then <see cref="Truncate"/>. <paramref name="absorbed"/>
    /// hears every block's rows (from the lanes, concurrently); <paramref name="phase"/> hears the phases, in order.
    /// </summary>
    public static async Task<FitResult> FitAsync(
        ILinearAlgebra la,
        HiddenLayer hidden,
        int rows,
        LaneAbsorber absorbLane,
        Anchor anchor,
        StructuredSolveSettings settings,
        SolveBudget budget,
        LaneScheduler? scheduler,
        Action<int>? absorbed,
        Action<SolvePhase>? phase,
        CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var reduced = await ReduceAsync(la, hidden, rows, absorbLane, anchor, settings, budget, scheduler, absorbed, phase, ct).ConfigureAwait(false);
        var fit = Truncate(reduced, settings.Rcond, settings.Truncation);
        phase?.Invoke(SolvePhase.SolveDone);
        reduced = null;
        ReleaseMemory(hidden.Width + hidden.InputDim);
        return fit;
    }

    /// <summary>
    /// The reduced problem before truncation: the lanes' QR of [S | U], the fixed-tree merge and the fold of the
    /// (2d r_S + 1) x (N + 1) reduced system into its (N + 1)-square triangle (for truncations and regularised solves
    /// that build on it).
    /// </summary>
    public static async Task<ReducedSystem> ReduceAsync(
        ILinearAlgebra la,
        HiddenLayer hidden,
        int rows,
        LaneAbsorber absorbLane,
        Anchor anchor,
        StructuredSolveSettings settings,
        SolveBudget budget,
        LaneScheduler? scheduler,
        Action<int>? absorbed,
        Action<SolvePhase>? phase,
        CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(la);
        ArgumentNullException.ThrowIfNull(hidden);
        ArgumentNullException.ThrowIfNull(absorbLane);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(budget);
        CheckSettings(settings);
        scheduler ??= InOrder;
        var cols = hidden.Width + hidden.InputDim;
        var lanes = EffectiveLanes(settings.Lanes, rows, settings.ChunkRows);
        var concurrent = budget.ConcurrentLanes(lanes);
        var laneLa = la.WithThreads(budget.LaneBlasThreads(lanes));
        var solveLa = la.WithThreads(budget.SolveBlasThreads);

        // Each lane absorbs its own contiguous rows in order and the partial factors are merged in a fixed tree order,
        // so with the fixed BLAS threads per call the result is bit-for-bit reproducible for a given (chunk_rows, lanes).
        var partials = new IQrAccumulator[lanes];
        var report = absorbed ?? (_ => { });
        await scheduler(lanes, concurrent, async w =>
        {
            var acc = laneLa.CreateQrAccumulator(cols);
            var (laneStart, laneEnd) = LaneRows(w, lanes, rows);
            await absorbLane(acc, laneStart, laneEnd, report, ct).ConfigureAwait(false);
            partials[w] = acc;
        }, ct).ConfigureAwait(false);

        // Tree reduction of the partial R factors: level by level, pair i = (2i, 2i + 1), pairs independent.
        var level = partials;
        while (level.Length > 1)
        {
            var next = new IQrAccumulator[(level.Length + 1) / 2];
            var current = level;
            await scheduler(next.Length, concurrent, i =>
            {
                var a = current[2 * i];
                if ((2 * i) + 1 < current.Length)
                {
                    a.Merge(current[(2 * i) + 1]);
                }

                next[i] = a;
                return Task.CompletedTask;
            }, ct).ConfigureAwait(false);
            level = next;
        }

        ct.ThrowIfCancellationRequested();
        phase?.Invoke(SolvePhase.QrDone);
        var r = level[0].GetR(out var rRows);

        // The partial factors and their work buffers (O(lanes N^2)) are garbage now: drop them and give the memory
        // back before the reduced solve allocates its own O(N^2) arrays, so peak memory stays near one phase's.
        Array.Clear(partials);
        level = [];
        ReleaseMemory(cols);
        var triangle = GradientSystem.ReducedTriangle(solveLa, hidden, r, rRows, anchor);
        r = [];
        ReleaseMemory(cols);
        return new ReducedSystem(hidden, triangle, solveLa);
    }

    /// <summary>Truncates and solves the reduced problem (under its solve view's BLAS threads) and returns the network.</summary>
    public static FitResult Truncate(ReducedSystem reduced, double rcond, Truncation truncation)
    {
        ArgumentNullException.ThrowIfNull(reduced);
        ArgumentNullException.ThrowIfNull(truncation);
        var hidden = reduced.Hidden;
        var system = reduced.Triangle;
        if (system.Cols != hidden.Width + 1)
        {
            throw new ArgumentException($"system has {system.Cols} unknowns, the layer needs {hidden.Width + 1}", nameof(reduced));
        }

        var (x, rank) = truncation.Solve(reduced.SolveLa, system, rcond);
        return new FitResult(new Network(hidden, x.AsSpan(0, hidden.Width).ToArray(), x[hidden.Width]), rank);
    }

    private static void CheckSettings(StructuredSolveSettings settings)
    {
        if (!(settings.Rcond >= 0) || settings.Rcond >= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(settings), settings.Rcond, "rcond must be in [0, 1)");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(settings.ChunkRows, 1, nameof(settings));
        ArgumentOutOfRangeException.ThrowIfLessThan(settings.Lanes, 1, nameof(settings));
        ArgumentNullException.ThrowIfNull(settings.Truncation, nameof(settings));
    }
}

/// <summary>
/// Memory hygiene of wide fits: a blocking full collection (freeing the dead large arrays is what matters). The fit
/// allocates and drops arrays of hundreds of MB; without this the GC may keep several generations of them mapped
/// (measured: peak RSS 7 GB instead of under 2 GB at width 5000). It costs milliseconds next to a fit that takes
/// seconds, and changes no result.
/// </summary>
public static class FitMemory
{
    /// <summary>Collects when the fit has at least 2000 columns (below that a forced collection costs more than it saves).</summary>
    public static void Release(int cols)
    {
        if (cols >= 2000)
        {
            System.Runtime.GCSettings.LargeObjectHeapCompactionMode = System.Runtime.GCLargeObjectHeapCompactionMode.CompactOnce;
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        }
    }
}
