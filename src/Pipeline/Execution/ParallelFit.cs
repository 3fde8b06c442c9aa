using System.Threading.Tasks.Dataflow;
using Hnn.Stages.Model;
using Hnn.Stages.Numerics;
using Hnn.Stages.Training;

namespace Hnn.Pipeline.Execution;

/// <summary>
/// The executor's side of the structured solve (<see cref="StructuredSolve"/> in src/Stages, docs/ALGORITHM.md §2.3):
/// it runs the pure solve with a Dataflow scheduler for the lanes and merges, reports progress, measures the phases,
/// and streams the training rows from disk for <see cref="FitStreamedAsync"/>. The lanes and chunking fix the result
/// (see <see cref="StructuredSolve"/>); how many lanes run at once is scheduling only.
/// </summary>
public static class ParallelFit
{
    /// <summary>Wall-clock split of the last fit (filled in when passed to <see cref="FitAsync"/>).</summary>
    public sealed class Timings
    {
        public double QrSeconds { get; set; }

        public double SolveSeconds { get; set; }
    }

    /// <summary>Frees the dead large arrays of a wide fit (<see cref="FitMemory.Release"/>).</summary>
    public static void ReleaseMemory(int cols) => FitMemory.Release(cols);

    /// <summary>Lanes actually used: no more than there are chunks.</summary>
    public static int EffectiveLanes(int lanes, int rows, int chunkRows) => StructuredSolve.EffectiveLanes(lanes, rows, chunkRows);

    /// <summary>Progress of the QR: rows absorbed so far.</summary>
    public readonly record struct Progress(long RowsDone, long RowsTotal);

    /// <summary>
    /// Runs <c>body(0 .. count - 1)</c> on a Dataflow block, at most <c>concurrency</c> at once (bounded capacity, the
    /// first fault surfaced): the scheduler the pipeline hands to <see cref="StructuredSolve"/>.
    /// </summary>
    public static async Task Dataflow(int count, int concurrency, Func<int, Task> body, CancellationToken ct)
    {
        var block = new ActionBlock<int>(body,
            new ExecutionDataflowBlockOptions { MaxDegreeOfParallelism = concurrency, BoundedCapacity = concurrency, CancellationToken = ct });
        for (var i = 0; i < count; i++)
        {
            await block.SendAsync(i, ct).ConfigureAwait(false);
        }

        block.Complete();
        await block.Completion.ConfigureAwait(false);
    }

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
        Timings? timings = null,
        Truncation? truncation = null)
    {
        ArgumentNullException.ThrowIfNull(la);
        return RunAsync(la, hidden, x[0].Length, StructuredSolve.FromArrays(hidden, x, dx, chunkRows), anchor, rcond, chunkRows, lanes, budget,
            progress, ct, timings, truncation);
    }

    /// <summary>
    /// The same fit with the training rows streamed from <paramref name="source"/> (rows [start, end) of the training
    /// set, in order, in chunks of any size) instead of arrays in memory. Each lane reads its own contiguous rows and
    /// cuts them into exactly the blocks of the in-memory fit (<see cref="StructuredSolve.BlockRows"/>), so with the
    /// same (chunk_rows, lanes) the result is the in-memory result. Memory: the lanes' blocks and a few source chunks.
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
        Timings? timings = null,
        Truncation? truncation = null)
    {
        ArgumentNullException.ThrowIfNull(la);
        ArgumentNullException.ThrowIfNull(source);
        return RunAsync(la, hidden, rows, Streamed(hidden, source, chunkRows), anchor, rcond, chunkRows, lanes, budget, progress, ct, timings, truncation);
    }

    /// <summary>
    /// The lane absorber over rows streamed from <paramref name="source"/> (rows [start, end), in order, in chunks of any
    /// size), cut into exactly the blocks of the in-memory fit; also used by a silo reading its lanes' rows (Cli/ClusterFit.cs).
    /// </summary>
    public static LaneAbsorber Streamed(HiddenLayer hidden, Func<long, long, CancellationToken, IAsyncEnumerable<Hnn.Pipeline.Data.DataChunk>> source, int chunkRows)
    {
        var dim = hidden.InputDim;
        var cols = hidden.Width + dim;
        return async (acc, laneStart, laneEnd, absorbed, ct) =>
        {
            var first = StructuredSolve.BlockRows(laneStart, laneStart, laneEnd, chunkRows, cols);
            var buffer = GC.AllocateUninitializedArray<double>(first * cols);
            var bx = new double[dim][];
            var bdx = new double[dim][];
            for (var i = 0; i < dim; i++)
            {
                bx[i] = new double[first];
                bdx[i] = new double[first];
            }

            var start = laneStart;
            var target = first;
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
                        absorbed(target);
                        filled = 0;
                        target = StructuredSolve.BlockRows(start, laneStart, laneEnd, chunkRows, cols);
                    }
                }
            }

            if (start != laneEnd)
            {
                throw new InvalidDataException($"the data source gave rows up to {start + filled} of a lane ending at {laneEnd}");
            }
        };
    }

    private static async Task<FitResult> RunAsync(
        ILinearAlgebra la,
        HiddenLayer hidden,
        int rows,
        LaneAbsorber absorbLane,
        Anchor anchor,
        double rcond,
        int chunkRows,
        int lanes,
        ComputeBudget budget,
        IProgress<Progress>? progress,
        CancellationToken ct,
        Timings? timings,
        Truncation? truncation)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkRows, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(lanes, 1);
        ArgumentNullException.ThrowIfNull(budget);
        long done = 0;
        var qrSeconds = 0.0;
        var fit = await StructuredSolve.FitAsync(la, hidden, rows, absorbLane, anchor,
            new StructuredSolveSettings(rcond, chunkRows, lanes, truncation ?? Truncation.Default), budget.Solve, Dataflow,
            progress is null ? null : count => progress.Report(new Progress(Interlocked.Add(ref done, count), rows)),
            phase =>
            {
                if (phase == SolvePhase.QrDone)
                {
                    qrSeconds = clock.Elapsed.TotalSeconds;
                }
                else if (timings is not null)
                {
                    timings.QrSeconds = qrSeconds;
                    timings.SolveSeconds = clock.Elapsed.TotalSeconds - qrSeconds;
                }
            },
            ct).ConfigureAwait(false);
        return fit;
    }
}
