using System.Collections.Concurrent;
using System.Diagnostics;
using Hnn.Datasets;
using Microsoft.Extensions.DependencyInjection;
using Hnn.Stages.Model;
using Hnn.Stages.Numerics;
using Hnn.Stages.Training;

namespace Hnn.Cluster;

/// <summary>
/// Generated training rows, described so that any silo regenerates them without data movement: rows of the pipeline's
/// streamed generation (<c>data.stream_rows</c>), chunk c (rows [c S, (c + 1) S), S = <see cref="StreamRows"/>) drawn by
/// <see cref="DataGenerator.Sample"/> from <c>Rng.Derive(seed, "generate/c")</c> — the formula of the pipeline's
/// StreamedData.ChunkSeed (a test checks they agree).
/// </summary>
[GenerateSerializer, Immutable, Alias("hnn.GeneratedRows")]
public sealed record GeneratedRows(
    [property: Id(0)] string SystemName,
    [property: Id(1)] Dictionary<string, double> Parameters,
    [property: Id(2)] double[] Lower,
    [property: Id(3)] double[] Upper,
    [property: Id(4)] ulong Seed,
    [property: Id(5)] int StreamRows)
{
    public static ulong ChunkSeed(ulong seed, int chunk) => Rng.Derive(seed, string.Create(System.Globalization.CultureInfo.InvariantCulture, $"generate/{chunk}"));

    /// <summary>Rows [<paramref name="start"/>, <paramref name="end"/>) of the stream: columns x and x'.</summary>
    public (double[][] X, double[][] Dx) Rows(int start, int end)
    {
        var system = SystemRegistry.Create(SystemName, Parameters);
        var d = system.Dof;
        var domain = new Domain(
            [.. Enumerable.Range(0, d).Select(i => new Interval(Lower[i], Upper[i]))],
            [.. Enumerable.Range(d, d).Select(i => new Interval(Lower[i], Upper[i]))]);
        var x = Enumerable.Range(0, 2 * d).Select(_ => new double[end - start]).ToArray();
        var dx = Enumerable.Range(0, 2 * d).Select(_ => new double[end - start]).ToArray();
        for (var c = start / StreamRows; (long)c * StreamRows < end; c++)
        {
            var chunkStart = c * StreamRows;
            var chunk = DataGenerator.Sample(system, domain, StreamRows, ChunkSeed(Seed, c));
            var from = Math.Max(start, chunkStart);
            var to = Math.Min(end, chunkStart + StreamRows);
            for (var i = 0; i < 2 * d; i++)
            {
                Array.Copy(chunk.X[i], from - chunkStart, x[i], from - start, to - from);
                Array.Copy(chunk.Dx[i], from - chunkStart, dx[i], from - start, to - from);
            }
        }

        return (x, dx);
    }
}

/// <summary>
/// One distributed tall-skinny QR of the augmented system [S | U] (docs/ALGORITHM.md §2.3): the hidden layer, the rows,
/// and the partition that fixes the rounding — <see cref="Lanes"/> contiguous shares of the rows, each absorbed in
/// blocks of <see cref="ChunkRows"/> under <see cref="LaneThreads"/> BLAS threads, exactly as
/// <see cref="StructuredSolve.ReduceAsync"/> does on one machine. The rows are either generated (<see cref="Data"/>:
/// every silo regenerates its lanes' rows from the data seed) or read from a Parquet file on the shared file system
/// (<see cref="File"/>: every silo reads the row groups that hold its lanes' rows); exactly one of the two is set.
/// </summary>
[GenerateSerializer, Immutable, Alias("hnn.TsqrJob")]
public sealed record TsqrJob(
    [property: Id(0)] string Id,
    [property: Id(1)] double[][] Weights,
    [property: Id(2)] double[] Biases,
    [property: Id(3)] GeneratedRows? Data,
    [property: Id(4)] int Rows,
    [property: Id(5)] int Lanes,
    [property: Id(6)] int ChunkRows,
    [property: Id(7)] int LaneThreads,
    [property: Id(8)] FileRows? File = null)
{
    /// <summary>The backend the lanes must factor with (<see cref="ILinearAlgebra.Name"/>; null: any). A silo with another refuses.</summary>
    [Id(9)]
    public string? Backend { get; init; }

    public HiddenLayer Hidden() => new(Weights, Biases);
}

/// <summary>An R factor on the wire: rows x cols, column-major (<see cref="IQrAccumulator.GetR"/>), and the rows it absorbed.</summary>
[GenerateSerializer, Immutable, Alias("hnn.ShippedR")]
public sealed record ShippedR([property: Id(0)] double[] R, [property: Id(1)] int Rows, [property: Id(2)] int Cols, [property: Id(3)] long Absorbed);

/// <summary>What a lane or merge call reports: where it ran, seconds, rows absorbed, bytes received.</summary>
[GenerateSerializer, Immutable, Alias("hnn.TsqrReport")]
public sealed record TsqrReport([property: Id(0)] string Silo, [property: Id(1)] double Seconds, [property: Id(2)] long Rows, [property: Id(3)] long BytesReceived);

/// <summary>One lane of a distributed TSQR: absorbs its rows, then takes part in the fixed merge tree.</summary>
[Alias("hnn.ITsqrLaneGrain")]
public interface ITsqrLaneGrain : IGrainWithStringKey
{
    [Alias("Absorb")]
    Task<TsqrReport> AbsorbAsync(TsqrJob job, int lane);

    /// <summary>Merges the R of the lane grain <paramref name="otherKey"/> into this one's (fetched silo to silo).</summary>
    [Alias("Merge")]
    Task<TsqrReport> MergeAsync(string otherKey);

    [Alias("TakeR")]
    Task<ShippedR> TakeRAsync();

    /// <summary>Whether this grain still holds a factor (false on a fresh activation: its silo was lost, or its R was taken).</summary>
    [Alias("HasFactor")]
    Task<bool> HasFactorAsync();

    /// <summary>Whether this grain's factor has absorbed the R of <paramref name="otherKey"/> (a merge whose reply was lost).</summary>
    [Alias("HasMerged")]
    Task<bool> HasMergedAsync(string otherKey);
}

[TargetSiloPlacement]
internal sealed class TsqrLaneGrain(ILinearAlgebra la, ILocalSiloDetails silo, IServiceProvider services) : Grain, ITsqrLaneGrain
{
    private readonly HashSet<string> _merged = new(StringComparer.Ordinal);
    private IQrAccumulator? _acc;

    public async Task<TsqrReport> AbsorbAsync(TsqrJob job, int lane)
    {
        ArgumentNullException.ThrowIfNull(job);
        var sw = Stopwatch.StartNew();
        var files = services.GetService<ITsqrRowSource>();
        // Off the grain's scheduler: the work is long and CPU-bound (BLAS threads of the lane).
        var (acc, rows) = await Task.Run(() => Tsqr.AbsorbLaneAsync(la, job, lane, files, CancellationToken.None)).ConfigureAwait(true);
        _acc = acc;
        return new TsqrReport(silo.SiloAddress.ToString(), sw.Elapsed.TotalSeconds, rows, 0);
    }

    public async Task<TsqrReport> MergeAsync(string otherKey)
    {
        var acc = _acc ?? throw new InvalidOperationException(Tsqr.FactorGone + ": merge before absorb");
        var sw = Stopwatch.StartNew();
        var other = await GrainFactory.GetGrain<ITsqrLaneGrain>(otherKey).TakeRAsync().ConfigureAwait(true);
        await Task.Run(() => acc.Merge(new ShippedAccumulator(other))).ConfigureAwait(true);
        _merged.Add(otherKey);
        return new TsqrReport(silo.SiloAddress.ToString(), sw.Elapsed.TotalSeconds, other.Absorbed, (long)other.R.Length * sizeof(double));
    }

    public Task<ShippedR> TakeRAsync()
    {
        var acc = _acc ?? throw new InvalidOperationException(Tsqr.FactorGone + ": no R to take");
        var r = acc.GetR(out var rows);
        _acc = null;
        DeactivateOnIdle();
        return Task.FromResult(new ShippedR(r, rows, acc.Cols, acc.RowsAbsorbed));
    }

    public Task<bool> HasFactorAsync() => Task.FromResult(_acc is not null);

    public Task<bool> HasMergedAsync(string otherKey) => Task.FromResult(_acc is not null && _merged.Contains(otherKey));
}

/// <summary>
/// The distributed TSQR (<see cref="ITsqrLaneGrain"/>): lane l on silo l mod (live silos), every lane's rows
/// regenerated or read where it runs, the R factors merged in the fixed tree of <see cref="StructuredSolve.ReduceAsync"/>
/// (pair i of a level is (2i, 2i + 1), lane 2i absorbs lane 2i + 1's R, fetched silo to silo; an odd last factor is
/// carried up), the reduced problem solved on the caller. A merge starts as soon as its two factors exist (scheduling
/// only: the tree and every operand order are fixed). With the same lanes, chunk rows and BLAS threads per lane the
/// floating-point operations are those of the local structured solve in the same order, so the result is bit-for-bit
/// the local one (on machines with the same BLAS library and kernel).
/// <para>Faults: the caller watches the membership. A lane whose silo is lost while it absorbs is absorbed again on
/// another silo; a merge that fails because a silo holding one of its factors was lost recomputes that factor's
/// subtree (its lanes and merges) on the live silos, then merges again (unless the keeping grain says the merge went
/// through and only its reply was lost); nothing else is redone. Each call is tried at
/// most <see cref="ClusterDispatch.MaxAttempts"/> times. Every redone piece computes the same numbers, so the result
/// is unchanged.</para>
/// </summary>
public static class Tsqr
{
    /// <summary>The start of the message of a grain whose factor is gone (a fresh activation after its silo was lost).</summary>
    public const string FactorGone = "this lane's factor is gone (its silo was lost or restarted)";

    /// <summary>Bytes and seconds of one level of the merge tree (seconds: the slowest merge of the level).</summary>
    public sealed record Level(int Merges, long Bytes, double Seconds);

    /// <summary>What a distributed TSQR measured; <see cref="Redone"/> counts lanes and merges computed again after a lost silo.</summary>
    public sealed record Measurements(IReadOnlyList<TsqrReport> Lanes, IReadOnlyList<Level> Levels, double QrSeconds, double SolveSeconds, int Redone);

    /// <summary>The lane's accumulator after absorbing its rows (regenerated or read here) in the local solve's blocks.</summary>
    public static async Task<(IQrAccumulator Acc, long Rows)> AbsorbLaneAsync(ILinearAlgebra la, TsqrJob job, int lane, ITsqrRowSource? files, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(la);
        ArgumentNullException.ThrowIfNull(job);
        if (job.Backend is { } backend && backend != la.Name)
        {
            throw new InvalidOperationException($"this silo factors with {la.Name}, the fit was planned with {backend}: the numbers would differ; start silos with the same backend (or run without run.distributed_fit)");
        }

        var hidden = job.Hidden();
        var lanes = StructuredSolve.EffectiveLanes(job.Lanes, job.Rows, job.ChunkRows);
        var (start, end) = StructuredSolve.LaneRows(lane, lanes, job.Rows);
        var acc = la.WithThreads(job.LaneThreads).CreateQrAccumulator(hidden.Width + hidden.InputDim);
        if (job.File is { } file)
        {
            var source = files ?? throw new InvalidOperationException("this silo reads no data files (no ITsqrRowSource registered: start silos with 'hnn silo')");
            await source.Absorber(file, hidden, job.ChunkRows)(acc, start, end, _ => { }, ct).ConfigureAwait(false);
        }
        else
        {
            var data = job.Data ?? throw new ArgumentException("a TSQR job needs generated rows or a file", nameof(job));
            var (x, dx) = data.Rows(start, end);
            // Block sizes depend on the offset within the lane only, so the lane's own rows (0 .. end - start) give the
            // same blocks as the local solve's rows start .. end.
            await StructuredSolve.FromArrays(hidden, x, dx, job.ChunkRows)(acc, 0, end - start, _ => { }, ct).ConfigureAwait(false);
        }

        return (acc, end - start);
    }

    /// <summary>
    /// Factors <paramref name="job"/>'s rows on the cluster and solves the reduced problem here (under
    /// <paramref name="solveLa"/>, the local solve's <see cref="SolveBudget.SolveBlasThreads"/> view).
    /// </summary>
    public static async Task<(FitResult Fit, Measurements Measured)> FitAsync(IGrainFactory grains, TsqrJob job, ILinearAlgebra solveLa, Anchor anchor,
        double rcond, Truncation truncation, Action<string> log, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(grains);
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(log);
        if ((job.Data is null) == (job.File is null))
        {
            throw new ArgumentException("a TSQR job needs exactly one of generated rows and a file", nameof(job));
        }

        var hidden = job.Hidden();
        var (r, rRows, m) = await FactorAsync(grains, job, log, ct).ConfigureAwait(false);
        var sw = Stopwatch.StartNew();
        var triangle = GradientSystem.ReducedTriangle(solveLa, hidden, r, rRows, anchor);
        var fit = StructuredSolve.Truncate(new ReducedSystem(hidden, triangle, solveLa), rcond, truncation);
        return (fit, m with { SolveSeconds = sw.Elapsed.TotalSeconds });
    }

    private static async Task<(double[] R, int Rows, Measurements M)> FactorAsync(IGrainFactory grains, TsqrJob job, Action<string> log, CancellationToken ct)
    {
        await using var watch = await SiloWatch.StartAsync(grains, ct).ConfigureAwait(false);
        var sw = Stopwatch.StartNew();
        var run = new TreeRun(grains, job, watch, log, ct);
        var final = await run.RootAsync().ConfigureAwait(false);
        var qr = sw.Elapsed.TotalSeconds;
        var lanes = run.Reports.OrderBy(p => p.Key).Select(p => p.Value).ToList();
        foreach (var g in lanes.GroupBy(r => r.Silo).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var rows = g.Sum(r => r.Rows);
            var seconds = g.Sum(r => r.Seconds);
            log(FormattableString.Invariant($"tsqr {job.Id}: silo {g.Key}: {g.Count()} lane(s), {rows} rows in {seconds:F2} s ({rows / Math.Max(seconds, 1e-9):F0} rows/s)"));
        }

        var levels = run.Merges.GroupBy(m => m.Level).OrderBy(g => g.Key)
            .Select(g => new Level(g.Count(), g.Sum(m => m.Report.BytesReceived), g.Max(m => m.Report.Seconds))).ToList();
        for (var i = 0; i < levels.Count; i++)
        {
            log(FormattableString.Invariant($"tsqr {job.Id}: merge level {i + 1}: {levels[i].Merges} merge(s), {levels[i].Bytes / 1e6:F2} MB sent, slowest {levels[i].Seconds:F2} s"));
        }

        levels.Add(new Level(1, (long)final.R.Length * sizeof(double), 0)); // the final R to the caller
        return (final.R, final.Rows, new Measurements(lanes, levels, qr, 0, run.Redone));
    }

    /// <summary>A grain that holds a factor, and its silo.</summary>
    private sealed record Holder(string Key, SiloAddress Silo);

    /// <summary>A call that did not complete because a silo it needed was lost.</summary>
    private sealed class LostException(string why) : Exception(why);

    /// <summary>The tree of one factorisation: node (level, i) covers lanes [i 2^level, (i + 1) 2^level).</summary>
    private sealed class TreeRun(IGrainFactory grains, TsqrJob job, SiloWatch watch, Action<string> log, CancellationToken ct)
    {
        private readonly int _lanes = StructuredSolve.EffectiveLanes(job.Lanes, job.Rows, job.ChunkRows);
        private int _serial;
        private int _redone;
        private int _done;

        public ConcurrentDictionary<int, TsqrReport> Reports { get; } = new();

        public ConcurrentBag<(int Level, TsqrReport Report)> Merges { get; } = [];

        public int Redone => Volatile.Read(ref _redone);

        /// <summary>Factors at <paramref name="level"/> (level 0: the lanes).</summary>
        private int Count(int level)
        {
            var n = _lanes;
            for (var k = 0; k < level; k++)
            {
                n = (n + 1) / 2;
            }

            return n;
        }

        public async Task<ShippedR> RootAsync()
        {
            var top = 0;
            while (Count(top) > 1)
            {
                top++;
            }

            for (var attempt = 1; ; attempt++)
            {
                var root = await NodeAsync(top, 0).ConfigureAwait(false);
                try
                {
                    return await CallAsync(grains.GetGrain<ITsqrLaneGrain>(root.Key).TakeRAsync(), root.Silo).ConfigureAwait(false);
                }
                catch (LostException e) when (attempt < ClusterDispatch.MaxAttempts)
                {
                    Redo($"the final R ({e.Message})", attempt);
                }
            }
        }

        private async Task<Holder> NodeAsync(int level, int index)
        {
            if (level == 0)
            {
                return await LeafAsync(index).ConfigureAwait(false);
            }

            if ((2 * index) + 1 >= Count(level - 1))
            {
                return await NodeAsync(level - 1, 2 * index).ConfigureAwait(false); // an odd last factor is carried up
            }

            Task<Holder> left = NodeAsync(level - 1, 2 * index), right = NodeAsync(level - 1, (2 * index) + 1);
            await Task.WhenAll(left, right).ConfigureAwait(false);
            var (a, b) = (await left.ConfigureAwait(false), await right.ConfigureAwait(false));
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    // Raced against the loss of a's silo only: if b's silo goes, a's fetch of b's R fails and a is unchanged
                    // (or the fetch came first and the merge is complete).
                    var report = await CallAsync(grains.GetGrain<ITsqrLaneGrain>(a.Key).MergeAsync(b.Key), a.Silo).ConfigureAwait(false);
                    Merges.Add((level, report));
                    return a;
                }
                catch (LostException e) when (attempt < ClusterDispatch.MaxAttempts)
                {
                    // A merge that went through but whose reply was lost must not be merged again (b's rows twice).
                    var holdsA = await AskAsync(a, g => g.HasFactorAsync()).ConfigureAwait(false);
                    if (holdsA && await AskAsync(a, g => g.HasMergedAsync(b.Key)).ConfigureAwait(false))
                    {
                        return a;
                    }

                    var (redoA, redoB) = (!holdsA, !await AskAsync(b, g => g.HasFactorAsync()).ConfigureAwait(false));
                    Redo(FormattableString.Invariant($"merge {index} of level {level} ({e.Message}; recomputing {(redoA && redoB ? "both factors" : redoA ? "the left factor" : redoB ? "the right factor" : "nothing")})"), attempt);
                    left = redoA ? NodeAsync(level - 1, 2 * index) : Task.FromResult(a);
                    right = redoB ? NodeAsync(level - 1, (2 * index) + 1) : Task.FromResult(b);
                    await Task.WhenAll(left, right).ConfigureAwait(false);
                    (a, b) = (await left.ConfigureAwait(false), await right.ConfigureAwait(false));
                }
            }
        }

        private async Task<Holder> LeafAsync(int lane)
        {
            SiloAddress? avoid = null;
            for (var attempt = 1; ; attempt++)
            {
                var silo = watch.Pick(lane, avoid);
                var key = TargetSiloPlacement.Key(FormattableString.Invariant($"{job.Id}/{Interlocked.Increment(ref _serial)}/{lane}"), silo);
                try
                {
                    var report = await CallAsync(grains.GetGrain<ITsqrLaneGrain>(key).AbsorbAsync(job, lane), silo).ConfigureAwait(false);
                    Reports[lane] = report;
                    var n = Interlocked.Increment(ref _done);
                    log(FormattableString.Invariant(
                        $"tsqr {job.Id}: lane {lane} absorbed on silo {report.Silo}: {report.Rows} rows in {report.Seconds:F2} s ({report.Rows / Math.Max(report.Seconds, 1e-9):F0} rows/s; {n} lane(s) absorbed, {_lanes} in the tree)"));
                    return new Holder(key, silo);
                }
                catch (LostException e) when (attempt < ClusterDispatch.MaxAttempts)
                {
                    Redo(FormattableString.Invariant($"lane {lane} on silo {silo} ({e.Message})"), attempt);
                    avoid = silo;
                }
            }
        }

        private void Redo(string what, int attempt)
        {
            Interlocked.Increment(ref _redone);
            log(FormattableString.Invariant($"tsqr {job.Id}: {what}: redoing it on the live silos (attempt {attempt + 1} of {ClusterDispatch.MaxAttempts})"));
        }

        /// <summary>A yes/no question to <paramref name="h"/>'s grain (no when its silo is lost or it cannot say).</summary>
        private async Task<bool> AskAsync(Holder h, Func<ITsqrLaneGrain, Task<bool>> question)
        {
            if (watch.IsLost(h.Silo))
            {
                return false;
            }

            try
            {
                return await CallAsync(question(grains.GetGrain<ITsqrLaneGrain>(h.Key)), h.Silo).WaitAsync(TimeSpan.FromSeconds(30), ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is LostException or TimeoutException || ClusterDispatch.IsLostSilo(e))
            {
                return false;
            }
        }

        /// <summary>The call's result, or a <see cref="LostException"/> when one of <paramref name="silos"/> leaves the cluster first or the call fails because a silo went away.</summary>
        private async Task<T> CallAsync<T>(Task<T> call, params SiloAddress[] silos)
        {
            var ended = await Task.WhenAny(new Task[] { call }.Concat(silos.Select(watch.Lost))).WaitAsync(ct).ConfigureAwait(false);
            if (ended != call)
            {
                _ = call.ContinueWith(c => c.Exception, TaskScheduler.Default); // its reply (if any) is not needed
                throw new LostException("a silo it needs left the cluster");
            }

            try
            {
                return await call.ConfigureAwait(false);
            }
            catch (Exception e) when (ClusterDispatch.IsLostSilo(e) || e is InvalidOperationException { Message: var m } && m.Contains(FactorGone, StringComparison.Ordinal))
            {
                throw new LostException($"{e.GetType().Name}: {e.Message.Split('\n')[0]}");
            }
        }
    }

    /// <summary>
    /// The cluster's membership as the caller of a TSQR sees it (read every <see cref="ClusterDispatch.WatchPeriod"/>):
    /// the live silos, and for every silo a task that completes when it leaves.
    /// </summary>
    private sealed class SiloWatch : IAsyncDisposable
    {
        private readonly IManagementGrain _management;
        private readonly ConcurrentDictionary<SiloAddress, TaskCompletionSource> _lost = new();
        private readonly CancellationTokenSource _stop = new();
        private SiloAddress[] _live;
        private Task _loop = Task.CompletedTask;

        private SiloWatch(IManagementGrain management, SiloAddress[] live)
        {
            _management = management;
            _live = live;
        }

        public static async Task<SiloWatch> StartAsync(IGrainFactory grains, CancellationToken ct)
        {
            var management = grains.GetGrain<IManagementGrain>(0);
            var live = await LiveAsync(management, ct).ConfigureAwait(false);
            if (live.Length == 0)
            {
                throw new InvalidOperationException("the cluster has no active silo");
            }

            var watch = new SiloWatch(management, live);
            watch._loop = watch.LoopAsync();
            return watch;
        }

        public Task Lost(SiloAddress silo) => _lost.GetOrAdd(silo, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

        public bool IsLost(SiloAddress silo) => Lost(silo).IsCompleted;

        /// <summary>Live silo <paramref name="preferred"/> mod (live silos), in address order; another than <paramref name="avoid"/> if there is one.</summary>
        public SiloAddress Pick(int preferred, SiloAddress? avoid)
        {
            var live = Volatile.Read(ref _live).Where(s => !IsLost(s)).ToList();
            if (avoid is not null && live.Count > 1)
            {
                live.Remove(avoid);
            }

            return live.Count == 0
                ? throw new InvalidOperationException("every silo of the cluster was lost; start silos and run the same command again")
                : live[preferred % live.Count];
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync().ConfigureAwait(false);
            try
            {
                await _loop.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }

            _stop.Dispose();
        }

        private async Task LoopAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                await Task.Delay(ClusterDispatch.WatchPeriod, _stop.Token).ConfigureAwait(false);
                SiloAddress[] live;
                try
                {
                    live = await LiveAsync(_management, _stop.Token).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    continue; // the management grain's silo may be the one going away; ask again
                }

                foreach (var s in Volatile.Read(ref _live).Concat(_lost.Keys).Distinct().Where(s => !live.Contains(s)))
                {
                    _lost.GetOrAdd(s, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
                }

                Volatile.Write(ref _live, live);
            }
        }

        private static async Task<SiloAddress[]> LiveAsync(IManagementGrain management, CancellationToken ct)
        {
            var hosts = await management.GetHosts(onlyActive: true).WaitAsync(ct).ConfigureAwait(false);
            return [.. hosts.Keys.OrderBy(s => s.ToString(), StringComparer.Ordinal)];
        }
    }
}

/// <summary>A received R factor in the shape <see cref="IQrAccumulator.Merge"/> reads (columns, rows absorbed, R).</summary>
internal sealed class ShippedAccumulator(ShippedR shipped) : IQrAccumulator
{
    public int Cols => shipped.Cols;

    public long RowsAbsorbed => shipped.Absorbed;

    public int RowsInR => shipped.Rows;

    public double[] GetR(out int rows)
    {
        rows = shipped.Rows;
        return (double[])shipped.R.Clone();
    }

    public void Absorb(ReadOnlySpan<double> block, int rows) => throw new NotSupportedException("a shipped R factor is read only");

    public void AbsorbUpperTrapezoidal(double[] block, int rows) => throw new NotSupportedException("a shipped R factor is read only");

    public void CopyR(int rows, int firstCol, int cols, Span<double> destination) => throw new NotSupportedException("a shipped R factor is read only");

    public void Merge(IQrAccumulator other) => throw new NotSupportedException("a shipped R factor is read only");
}
