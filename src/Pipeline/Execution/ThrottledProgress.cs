using Hnn.Stages.Baseline;
using Serilog;

namespace Hnn.Pipeline.Execution;

/// <summary>
/// Passes progress to <paramref name="log"/> (with the seconds elapsed) at most once per interval, and always when
/// <paramref name="always"/> says so. Nothing is logged before the first interval has passed unless forced. When the
/// stage is shown on a live display (<see cref="StageProgress.Current"/> when this is created), every report updates
/// its status line with <paramref name="fraction"/> instead, and only the forced lines are logged.
/// </summary>
internal sealed class ThrottledProgress<T>(
    TimeSpan interval, Func<T, bool> always, Action<T, double> log, Func<T, double>? fraction = null, TimeProvider? clock = null) : IProgress<T>
{
    private readonly TimeProvider _time = clock ?? TimeProvider.System;
    private readonly IStageStatus? _live = fraction is null ? null : StageProgress.Current;
    private readonly long _start = (clock ?? TimeProvider.System).GetTimestamp();
    private long _lastTicks = (clock ?? TimeProvider.System).GetTimestamp();

    public void Report(T value)
    {
        var now = _time.GetTimestamp();
        var forced = always(value);
        if (_live is not null)
        {
            _live.Report(fraction!(value));
            if (!forced)
            {
                return;
            }
        }

        var last = Interlocked.Read(ref _lastTicks);
        if ((!forced && now - last < interval.TotalSeconds * _time.TimestampFrequency) || Interlocked.CompareExchange(ref _lastTicks, now, last) != last)
        {
            return;
        }

        log(value, _time.GetElapsedTime(_start, now).TotalSeconds);
    }
}

/// <summary>The progress logs of long stages.</summary>
internal static class ThrottledProgress
{
    /// <summary>QR progress of a fit (never for fits shorter than the interval).</summary>
    public static IProgress<ParallelFit.Progress> Fit(ILogger log, string label, TimeSpan interval, TimeProvider? clock = null) =>
        new ThrottledProgress<ParallelFit.Progress>(interval, _ => false, (value, elapsed) =>
        {
            var fraction = value.RowsTotal == 0 ? 1 : (double)value.RowsDone / value.RowsTotal;
            var eta = fraction > 0 ? elapsed * (1 - fraction) / fraction : double.NaN;
            log.Information("fit {Label}: QR {Done:N0}/{Total:N0} rows ({Percent:F0} %), {Elapsed:F0} s elapsed, ~{Eta:F0} s to go",
                label, value.RowsDone, value.RowsTotal, 100 * fraction, elapsed, eta);
        }, value => value.RowsTotal == 0 ? 1 : (double)value.RowsDone / value.RowsTotal, clock);

    /// <summary>Adam's steps: step, loss, rate and time to go (also at the last step).</summary>
    public static IProgress<AdamProgress> Adam(ILogger log, string label, TimeSpan interval, TimeProvider? clock = null) =>
        new ThrottledProgress<AdamProgress>(interval, value => value.Step >= value.Steps, (value, elapsed) =>
        {
            var perStep = elapsed / Math.Max(1, value.Step);
            log.Information("train {Label}: step {Step:N0}/{Steps:N0} ({Percent:F0} %), loss {Loss:0.00e+00}, {Ms:F1} ms/step, ~{Eta:F0} s to go",
                label, value.Step, value.Steps, 100.0 * value.Step / Math.Max(1, value.Steps), value.Loss, 1e3 * perStep, perStep * (value.Steps - value.Step));
        }, value => (double)value.Step / Math.Max(1, value.Steps), clock);

    /// <summary>A rollout's progress: fraction of the time span integrated, elapsed and time to go (also when done).</summary>
    public static IProgress<double> Rollout(ILogger log, string label, TimeSpan interval, TimeProvider? clock = null) =>
        new ThrottledProgress<double>(interval, _ => false, (fraction, elapsed) =>
        {
            var eta = fraction > 0 ? elapsed * (1 - fraction) / fraction : double.NaN;
            log.Information("rollout {Label}: {Percent:F0} % of the time span, {Elapsed:F0} s elapsed, ~{Eta:F0} s to go",
                label, 100 * fraction, elapsed, eta);
        }, fraction => fraction, clock);

    /// <summary>Rows of a streamed data set generated so far (never for generations shorter than the interval).</summary>
    public static IProgress<long> Generate(ILogger log, string label, long total, TimeSpan interval, TimeProvider? clock = null) =>
        new ThrottledProgress<long>(interval, _ => false, (rows, elapsed) =>
        {
            var fraction = total == 0 ? 1 : (double)rows / total;
            var eta = fraction > 0 ? elapsed * (1 - fraction) / fraction : double.NaN;
            log.Information("generate {Label}: {Done:N0}/{Total:N0} rows ({Percent:F0} %), {Elapsed:F0} s elapsed, ~{Eta:F0} s to go",
                label, rows, total, 100 * fraction, elapsed, eta);
        }, rows => total == 0 ? 1 : (double)rows / total, clock);
}
