using System.Diagnostics;
using Hnn.Stages.Baseline;
using Serilog;

namespace Hnn.Pipeline.Execution;

/// <summary>
/// Passes progress to <paramref name="log"/> (with the seconds elapsed) at most once per interval, and always when
/// <paramref name="always"/> says so. Nothing is logged before the first interval has passed unless forced.
/// </summary>
internal sealed class ThrottledProgress<T>(TimeSpan interval, Func<T, bool> always, Action<T, double> log) : IProgress<T>
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private long _lastTicks;

    public void Report(T value)
    {
        var now = _clock.ElapsedTicks;
        var last = Interlocked.Read(ref _lastTicks);
        if ((!always(value) && now - last < interval.TotalSeconds * Stopwatch.Frequency) || Interlocked.CompareExchange(ref _lastTicks, now, last) != last)
        {
            return;
        }

        log(value, _clock.Elapsed.TotalSeconds);
    }
}

/// <summary>The progress logs of long stages.</summary>
internal static class ThrottledProgress
{
    /// <summary>QR progress of a fit (never for fits shorter than the interval).</summary>
    public static IProgress<ParallelFit.Progress> Fit(ILogger log, string label, TimeSpan interval) =>
        new ThrottledProgress<ParallelFit.Progress>(interval, _ => false, (value, elapsed) =>
        {
            var fraction = value.RowsTotal == 0 ? 1 : (double)value.RowsDone / value.RowsTotal;
            var eta = fraction > 0 ? elapsed * (1 - fraction) / fraction : double.NaN;
            log.Information("fit {Label}: QR {Done:N0}/{Total:N0} rows ({Percent:F0} %), {Elapsed:F0} s elapsed, ~{Eta:F0} s to go",
                label, value.RowsDone, value.RowsTotal, 100 * fraction, elapsed, eta);
        });

    /// <summary>Adam's steps: step, loss, rate and time to go (also at the last step).</summary>
    public static IProgress<AdamProgress> Adam(ILogger log, string label, TimeSpan interval) =>
        new ThrottledProgress<AdamProgress>(interval, value => value.Step >= value.Steps, (value, elapsed) =>
        {
            var perStep = elapsed / Math.Max(1, value.Step);
            log.Information("train {Label}: step {Step:N0}/{Steps:N0} ({Percent:F0} %), loss {Loss:0.00e+00}, {Ms:F1} ms/step, ~{Eta:F0} s to go",
                label, value.Step, value.Steps, 100.0 * value.Step / Math.Max(1, value.Steps), value.Loss, 1e3 * perStep, perStep * (value.Steps - value.Step));
        });

    /// <summary>A rollout's progress: fraction of the time span integrated, elapsed and time to go (also when done).</summary>
    public static IProgress<double> Rollout(ILogger log, string label, TimeSpan interval) =>
        new ThrottledProgress<double>(interval, _ => false, (fraction, elapsed) =>
        {
            var eta = fraction > 0 ? elapsed * (1 - fraction) / fraction : double.NaN;
            log.Information("rollout {Label}: {Percent:F0} % of the time span, {Elapsed:F0} s elapsed, ~{Eta:F0} s to go",
                label, 100 * fraction, elapsed, eta);
        });
}
