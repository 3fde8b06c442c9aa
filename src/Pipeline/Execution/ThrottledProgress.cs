using System.Diagnostics;
using Serilog;

namespace Hnn.Pipeline.Execution;

/// <summary>Logs QR progress of a long fit at most once per interval (never for fits shorter than the interval).</summary>
internal sealed class ThrottledProgress(ILogger log, string label, TimeSpan interval) : IProgress<ParallelFit.Progress>
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private long _lastTicks;

    public void Report(ParallelFit.Progress value)
    {
        var now = _clock.ElapsedTicks;
        var last = Interlocked.Read(ref _lastTicks);
        if (now - last < interval.TotalSeconds * Stopwatch.Frequency || Interlocked.CompareExchange(ref _lastTicks, now, last) != last)
        {
            return;
        }

        var fraction = value.RowsTotal == 0 ? 1 : (double)value.RowsDone / value.RowsTotal;
        var elapsed = _clock.Elapsed.TotalSeconds;
        var eta = fraction > 0 ? elapsed * (1 - fraction) / fraction : double.NaN;
        log.Information("fit {Label}: QR {Done:N0}/{Total:N0} rows ({Percent:F0} %), {Elapsed:F0} s elapsed, ~{Eta:F0} s to go",
            label, value.RowsDone, value.RowsTotal, 100 * fraction, elapsed, eta);
    }
}
