using System.Diagnostics;
using Hnn.Datasets;
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
/// <see cref="StructuredSolve.ReduceAsync"/> does on one machine.
/// </summary>
[GenerateSerializer, Immutable, Alias("hnn.TsqrJob")]
public sealed record TsqrJob(
    [property: Id(0)] string Id,
    [property: Id(1)] double[][] Weights,
    [property: Id(2)] double[] Biases,
    [property: Id(3)] GeneratedRows Data,
    [property: Id(4)] int Rows,
    [property: Id(5)] int Lanes,
    [property: Id(6)] int ChunkRows,
    [property: Id(7)] int LaneThreads)
{
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
}

[TargetSiloPlacement]
internal sealed class TsqrLaneGrain(ILinearAlgebra la, ILocalSiloDetails silo) : Grain, ITsqrLaneGrain
{
    private IQrAccumulator? _acc;

    public async Task<TsqrReport> AbsorbAsync(TsqrJob job, int lane)
    {
        ArgumentNullException.ThrowIfNull(job);
        var sw = Stopwatch.StartNew();
        var (acc, rows) = await Task.Run(() => Tsqr.AbsorbLane(la, job, lane)).ConfigureAwait(true);
        _acc = acc;
        return new TsqrReport(silo.SiloAddress.ToString(), sw.Elapsed.TotalSeconds, rows, 0);
    }

    public async Task<TsqrReport> MergeAsync(string otherKey)
    {
        var acc = _acc ?? throw new InvalidOperationException("merge before absorb: this lane's factor is gone (its silo restarted?)");
        var sw = Stopwatch.StartNew();
        var other = await GrainFactory.GetGrain<ITsqrLaneGrain>(otherKey).TakeRAsync().ConfigureAwait(true);
        await Task.Run(() => acc.Merge(new ShippedAccumulator(other))).ConfigureAwait(true);
        return new TsqrReport(silo.SiloAddress.ToString(), sw.Elapsed.TotalSeconds, other.Absorbed, (long)other.R.Length * sizeof(double));
    }

    public Task<ShippedR> TakeRAsync()
    {
        var acc = _acc ?? throw new InvalidOperationException("no factor: this lane has not absorbed its rows (its silo restarted?)");
        var r = acc.GetR(out var rows);
        _acc = null;
        DeactivateOnIdle();
        return Task.FromResult(new ShippedR(r, rows, acc.Cols, acc.RowsAbsorbed));
    }
}

/// <summary>
/// The distributed TSQR (<see cref="ITsqrLaneGrain"/>): lane l on silo l mod (silos), every lane's rows regenerated
/// where it runs, the R factors merged in the fixed tree of <see cref="StructuredSolve.ReduceAsync"/> (level by level,
/// lane 2i absorbs lane 2i + 1's R, fetched silo to silo), the reduced problem solved on the coordinator. With the same
/// lanes, chunk rows and BLAS threads per lane the floating-point operations are those of the local structured solve in
/// the same order, so the result is bit-for-bit the local one (on machines with the same BLAS library and kernel).
/// A silo lost during the factorisation: the whole QR is redone on the silos that are left (its lanes' factors lived
/// in that silo's memory).
/// </summary>
public static class Tsqr
{
    /// <summary>Bytes and seconds of one level of the merge tree.</summary>
    public sealed record Level(int Merges, long Bytes, double Seconds);

    /// <summary>What a distributed TSQR measured.</summary>
    public sealed record Measurements(IReadOnlyList<TsqrReport> Lanes, IReadOnlyList<Level> Levels, double QrSeconds, double SolveSeconds, int Attempts);

    /// <summary>The lane's accumulator after absorbing its rows (regenerated here) in the local solve's blocks.</summary>
    public static (IQrAccumulator Acc, long Rows) AbsorbLane(ILinearAlgebra la, TsqrJob job, int lane)
    {
        ArgumentNullException.ThrowIfNull(la);
        ArgumentNullException.ThrowIfNull(job);
        var hidden = job.Hidden();
        var lanes = StructuredSolve.EffectiveLanes(job.Lanes, job.Rows, job.ChunkRows);
        var (start, end) = StructuredSolve.LaneRows(lane, lanes, job.Rows);
        var (x, dx) = job.Data.Rows(start, end);
        var acc = la.WithThreads(job.LaneThreads).CreateQrAccumulator(hidden.Width + dx.Length);
        // Block sizes depend on the offset within the lane only, so the lane's own rows (0 .. end - start) give the
        // same blocks as the local solve's rows start .. end.
        StructuredSolve.FromArrays(hidden, x, dx, job.ChunkRows)(acc, 0, end - start, _ => { }, CancellationToken.None).GetAwaiter().GetResult();
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
        var hidden = job.Hidden();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var (r, rRows, m) = await FactorAsync(grains, job, attempt, log, ct).ConfigureAwait(false);
                var sw = Stopwatch.StartNew();
                var triangle = GradientSystem.ReducedTriangle(solveLa, hidden, r, rRows, anchor);
                var fit = StructuredSolve.Truncate(new ReducedSystem(hidden, triangle, solveLa), rcond, truncation);
                return (fit, m with { SolveSeconds = sw.Elapsed.TotalSeconds, Attempts = attempt });
            }
            catch (Exception e) when ((ClusterDispatch.IsLostSilo(e) || e is InvalidOperationException { Message: var msg } && msg.Contains("restarted", StringComparison.Ordinal))
                && attempt < ClusterDispatch.MaxAttempts)
            {
                log($"tsqr {job.Id}: a silo was lost ({e.GetType().Name}); factoring again on the silos that are left (attempt {attempt + 1} of {ClusterDispatch.MaxAttempts})");
                await Task.Delay(TimeSpan.FromSeconds(3), ct).ConfigureAwait(false);
            }
        }
    }

    private static async Task<(double[] R, int Rows, Measurements M)> FactorAsync(IGrainFactory grains, TsqrJob job, int attempt, Action<string> log, CancellationToken ct)
    {
        var hosts = await grains.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true).WaitAsync(ct).ConfigureAwait(false);
        var silos = hosts.Keys.OrderBy(s => s.ToString(), StringComparer.Ordinal).ToList();
        var lanes = StructuredSolve.EffectiveLanes(job.Lanes, job.Rows, job.ChunkRows);
        var keys = Enumerable.Range(0, lanes).Select(l => TargetSiloPlacement.Key($"{job.Id}/{attempt}/{l}", silos[l % silos.Count])).ToArray();
        var sw = Stopwatch.StartNew();
        var reports = await Task.WhenAll(keys.Select((k, l) => grains.GetGrain<ITsqrLaneGrain>(k).AbsorbAsync(job, l))).WaitAsync(ct).ConfigureAwait(false);
        foreach (var g in reports.GroupBy(r => r.Silo).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var rows = g.Sum(r => r.Rows);
            var seconds = g.Sum(r => r.Seconds);
            log(FormattableString.Invariant($"tsqr {job.Id}: silo {g.Key}: {g.Count()} lane(s), {rows} rows in {seconds:F2} s ({rows / Math.Max(seconds, 1e-9):F0} rows/s)"));
        }

        // The fixed tree: pair i of a level is (2i, 2i + 1); lane 2i keeps the merged factor.
        var level = keys;
        var levels = new List<Level>();
        while (level.Length > 1)
        {
            var lsw = Stopwatch.StartNew();
            var current = level;
            var merges = await Task.WhenAll(Enumerable.Range(0, current.Length / 2)
                .Select(i => grains.GetGrain<ITsqrLaneGrain>(current[2 * i]).MergeAsync(current[(2 * i) + 1]))).WaitAsync(ct).ConfigureAwait(false);
            levels.Add(new Level(merges.Length, merges.Sum(m => m.BytesReceived), lsw.Elapsed.TotalSeconds));
            log(FormattableString.Invariant($"tsqr {job.Id}: merge level {levels.Count}: {merges.Length} merge(s), {merges.Sum(m => m.BytesReceived) / 1e6:F2} MB sent, {lsw.Elapsed.TotalSeconds:F2} s"));
            level = [.. Enumerable.Range(0, (current.Length + 1) / 2).Select(i => current[2 * i])];
        }

        var final = await grains.GetGrain<ITsqrLaneGrain>(level[0]).TakeRAsync().WaitAsync(ct).ConfigureAwait(false);
        levels.Add(new Level(1, (long)final.R.Length * sizeof(double), 0)); // the final R to the coordinator
        return (final.R, final.Rows, new Measurements(reports, levels, sw.Elapsed.TotalSeconds, 0, attempt));
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
