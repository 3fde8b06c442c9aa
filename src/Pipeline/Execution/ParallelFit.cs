using System.Threading.Tasks.Dataflow;
using Hnn.Stages.Model;
using Hnn.Stages.Numerics;
using Hnn.Stages.Training;

namespace Hnn.Pipeline.Execution;

/// <summary>
/// The structured solve of docs/ALGORITHM.md §2.3 streamed through Dataflow: row chunks of [S | U] are computed and absorbed
/// into <c>lanes</c> partial QR factors (lane l takes the l-th contiguous share of the rows), the partial R factors are merged as a
/// fixed tree, and the reduced problem is solved with all the BLAS threads the fit may use. The lanes fix the order
/// of floating-point operations; the BLAS threads of each call come from the <see cref="ComputeBudget"/> (machine cores
/// and lanes only), and every call runs under exactly that count, so the result is a function of the inputs, the
/// (chunk_rows, lanes) partition and the machine's core count — not of run.parallelism or of what runs beside it. How
/// many lanes run at once is scheduling only.
/// Peak memory: O(concurrent lanes x chunk x N + lanes x N^2), independent of the number of rows.
/// </summary>
public static class ParallelFit
{
    /// <summary>Wall-clock split of the last fit (filled in when passed to <see cref="FitAsync"/>).</summary>
    public sealed class Timings
    {
        public double QrSeconds { get; set; }

        public double SolveSeconds { get; set; }
    }

    /// <summary>
    /// A blocking full collection (not compacting: freeing the dead large arrays is what matters, moving live ones costs). The fit allocates and drops arrays of
    /// hundreds of MB; without this the GC may keep several generations of them mapped (measured: peak RSS 7 GB instead
    /// of under 2 GB at width 5000). It costs milliseconds next to a fit that takes seconds.
    /// </summary>
    public static void ReleaseMemory(int cols)
    {
        // Below ~2000 columns the arrays are tens of MB and a forced collection costs more than it saves.
        if (cols >= 2000)
        {
            System.Runtime.GCSettings.LargeObjectHeapCompactionMode = System.Runtime.GCLargeObjectHeapCompactionMode.CompactOnce;
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        }
    }

    /// <summary>Lanes actually used: no more than there are chunks.</summary>
    public static int EffectiveLanes(int lanes, int rows, int chunkRows) =>
        Math.Max(1, Math.Min(lanes, (rows + chunkRows - 1) / chunkRows));

    /// <summary>Progress of the QR: rows absorbed so far.</summary>
    public readonly record struct Progress(long RowsDone, long RowsTotal);

    public static Task<FitResult> FitAsync(
        ILinearAlgebra la,
        HiddenLayer hidden,
        double[][] x,
        double[][] dx,
        Anchor anchor,
        double rcond,
        int chunkRows,
        int lanes,
        ComputeBudget budget,
        IProgress<Progress>? progress,
        CancellationToken ct,
        Timings? timings = null)
    {
        ArgumentNullException.ThrowIfNull(la);
        var k = x[0].Length;
        var cols = hidden.Width + dx.Length;
        return FitCoreAsync(la, hidden, k, anchor, rcond, chunkRows, lanes, budget, ct, timings, (acc, laneStart, laneEnd, report) =>
        {
            // Lane w takes the contiguous rows [w K / lanes, (w + 1) K / lanes). Its first block has at least
            // Cols rows, so R is square from the start and every later chunk is one dtpqrt: growing the
            // triangle chunk by chunk would re-factor ever taller stacks (at N = 5000 and 1024-row chunks
            // that doubled the QR's flops).
            var first = Math.Min(Math.Max(chunkRows, cols), laneEnd - laneStart);
            var buffer = GC.AllocateUninitializedArray<double>(first * cols);
            for (var start = laneStart; start < laneEnd;)
            {
                ct.ThrowIfCancellationRequested();
                var count = Math.Min(start == laneStart ? first : chunkRows, laneEnd - start);
                var block = buffer.AsSpan(0, count * cols);
                GradientSystem.AugmentedBlock(hidden, x, dx, start, count, block);
                acc.Absorb(block, count);
                start += count;
                report(count, k);
            }

            return Task.CompletedTask;
        }, progress);
    }

    /// <summary>
    /// The same fit with the training rows streamed from <paramref name="source"/> (rows [start, end) of the training
    /// set, in order, in chunks of any size) instead of arrays in memory. Each lane reads its own contiguous rows and
    /// cuts them into exactly the blocks of the in-memory fit, so with the same (chunk_rows, lanes) the result is the
    /// in-memory result. Memory: the lanes' blocks and a few source chunks, not the data.
    /// </summary>
    public static Task<FitResult> FitStreamedAsync(
        ILinearAlgebra la,
        HiddenLayer hidden,
        int rows,
        Func<long, long, CancellationToken, IAsyncEnumerable<Hnn.Pipeline.Data.DataChunk>> source,
        Anchor anchor,
        double rcond,
        int chunkRows,
        int lanes,
        ComputeBudget budget,
        IProgress<Progress>? progress,
        CancellationToken ct,
        Timings? timings = null)
    {
        ArgumentNullException.ThrowIfNull(la);
        ArgumentNullException.ThrowIfNull(source);
        var dim = hidden.InputDim;
        var cols = hidden.Width + dim;
        return FitCoreAsync(la, hidden, rows, anchor, rcond, chunkRows, lanes, budget, ct, timings, async (acc, laneStart, laneEnd, report) =>
        {
            var first = Math.Min(Math.Max(chunkRows, cols), laneEnd - laneStart);
            var buffer = GC.AllocateUninitializedArray<double>(first * cols);
            var bx = new double[dim][];
            var bdx = new double[dim][];
            for (var i = 0; i < dim; i++)
            {
                bx[i] = new double[first];
                bdx[i] = new double[first];
            }

            var start = laneStart;
            var target = Math.Min(first, laneEnd - start);
            var filled = 0;
            await foreach (var chunk in source(laneStart, laneEnd, ct).ConfigureAwait(false))
            {
                for (var offset = 0; offset < chunk.Count;)
                {
                    var take = Math.Min(target - filled, chunk.Count - offset);
                    for (var i = 0; i < dim; i++)
                    {
                        Array.Copy(chunk.X[i], offset, bx[i], filled, take);
                        Array.Copy(chunk.Dx[i], offset, bdx[i], filled, take);
                    }

                    filled += take;
                    offset += take;
                    if (filled == target)
                    {
                        ct.ThrowIfCancellationRequested();
                        var block = buffer.AsSpan(0, target * cols);
                        GradientSystem.AugmentedBlock(hidden, bx, bdx, 0, target, block);
                        acc.Absorb(block, target);
                        start += target;
                        report(target, rows);
                        filled = 0;
                        target = Math.Min(chunkRows, laneEnd - start);
                    }
                }
            }

            if (start != laneEnd)
            {
                throw new InvalidDataException($"the data source gave rows up to {start + filled} of a lane ending at {laneEnd}");
            }
        }, progress);
    }

    private static async Task<FitResult> FitCoreAsync(
        ILinearAlgebra la,
        HiddenLayer hidden,
        int k,
        Anchor anchor,
        double rcond,
        int chunkRows,
        int lanes,
        ComputeBudget budget,
        CancellationToken ct,
        Timings? timings,
        Func<IQrAccumulator, int, int, Action<int, long>, Task> absorbLane,
        IProgress<Progress>? progress)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkRows, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(lanes, 1);
        ArgumentNullException.ThrowIfNull(budget);
        var cols = hidden.Width + hidden.InputDim;
        lanes = EffectiveLanes(lanes, k, chunkRows);
        var concurrent = budget.ConcurrentLanes(lanes);
        var laneLa = la.WithThreads(budget.LaneBlasThreads(lanes));
        var solveLa = la.WithThreads(budget.SolveBlasThreads);

        // Each lane absorbs its own contiguous rows in order and the partial factors are merged in a fixed tree order,
        // so with the fixed BLAS threads per call the result is bit-for-bit reproducible for a given (chunk_rows, lanes).
        var partials = new IQrAccumulator[lanes];
        long done = 0;
        void Report(int count, long total) => progress?.Report(new Progress(Interlocked.Add(ref done, count), total));
        var absorb = new ActionBlock<int>(
            async w =>
            {
                var acc = laneLa.CreateQrAccumulator(cols);
                var laneStart = (int)((long)w * k / lanes);
                var laneEnd = (int)((long)(w + 1) * k / lanes);
                await absorbLane(acc, laneStart, laneEnd, Report).ConfigureAwait(false);
                partials[w] = acc;
            },
            new ExecutionDataflowBlockOptions { MaxDegreeOfParallelism = concurrent, BoundedCapacity = concurrent, CancellationToken = ct });
        for (var w = 0; w < lanes; w++)
        {
            await absorb.SendAsync(w, ct).ConfigureAwait(false);
        }

        absorb.Complete();
        await absorb.Completion.ConfigureAwait(false);

        // Tree reduction of the partial R factors, pairs merged in parallel.
        var level = partials.ToList();
        while (level.Count > 1)
        {
            var next = new IQrAccumulator[(level.Count + 1) / 2];
            var current = level;
            Parallel.For(0, next.Length, new ParallelOptions { MaxDegreeOfParallelism = concurrent, CancellationToken = ct }, i =>
            {
                var a = current[2 * i];
                if ((2 * i) + 1 < current.Count)
                {
                    a.Merge(current[(2 * i) + 1]);
                }

                next[i] = a;
            });
            level = [.. next];
        }

        ct.ThrowIfCancellationRequested();
        var qrSeconds = clock.Elapsed.TotalSeconds;
        var r = level[0].GetR(out var rRows);

        // The partial factors and their work buffers (O(lanes N^2)) are garbage now: drop them and give the memory
        // back before the reduced solve allocates its own O(N^2) arrays, so peak memory stays near one phase's.
        Array.Clear(partials);
        level.Clear();
        ReleaseMemory(cols);
        var triangle = GradientSystem.ReducedTriangle(solveLa, hidden, r, rRows, anchor);
        r = [];
        ReleaseMemory(cols);
        var (network, rank) = GradientSystem.Solve(solveLa, hidden, triangle, rcond);
        if (timings is not null)
        {
            timings.QrSeconds = qrSeconds;
            timings.SolveSeconds = clock.Elapsed.TotalSeconds - qrSeconds;
        }

        triangle = null;
        ReleaseMemory(cols);
        return new FitResult(network, rank);
    }
}
