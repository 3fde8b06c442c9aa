using Hnn.Pipeline.Cli;
using Hnn.Pipeline.Execution;
using Hnn.Stages.Baseline;
using Microsoft.Extensions.Time.Testing;
using Serilog;
using Serilog.Events;
using Spectre.Console;
using Xunit;

namespace Hnn.Tests.Pipeline;

/// <summary>
/// Progress of long stages: the plain log (stderr not a terminal) gets at most one line per 5 s per stage, on an
/// injected clock; on a terminal the stage has a live status line instead and log lines pass through the display.
/// </summary>
public sealed class ProgressTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    [Fact]
    public void Rollout_progress_logs_at_most_one_line_per_interval()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 3, 10, 0, 0, TimeSpan.Zero));
        var sink = new ListSink();
        using var log = Logger(sink);
        var progress = ThrottledProgress.Rollout(log, "a-swim width 1000, verlet", Interval, clock);

        // 60 s of reports every 100 ms (the rollout reports far more often than it may log).
        var loggedAt = new List<double>();
        for (var k = 1; k <= 600; k++)
        {
            clock.Advance(TimeSpan.FromMilliseconds(100));
            var before = sink.Lines.Count;
            progress.Report(k / 600.0);
            if (sink.Lines.Count > before)
            {
                loggedAt.Add(k * 0.1);
            }
        }

        // Lines exactly when 5 s have passed since the last one: t = 5, 10, ..., 60 s (none in the first 5 s).
        Assert.Equal(12, loggedAt.Count);
        Assert.Equal(5.0, loggedAt[0], 1e-9);
        Assert.All(loggedAt.Zip(loggedAt.Skip(1)), pair => Assert.True(pair.Second - pair.First >= 5.0 - 1e-9, $"{pair.First} -> {pair.Second}"));

        // The line names stage and label, the fraction, elapsed time and time to go (t = 5 s: 1/12 of the span done).
        Assert.Equal("rollout a-swim width 1000, verlet: 8 % of the time span, 5 s elapsed, ~55 s to go", sink.Lines[0]);
    }

    [Fact]
    public void Each_stage_is_throttled_on_its_own_and_a_short_stage_logs_nothing()
    {
        var clock = new FakeTimeProvider();
        var sink = new ListSink();
        using var log = Logger(sink);
        var fit = ThrottledProgress.Fit(log, "u-swim", Interval, clock);
        var shortRollout = ThrottledProgress.Rollout(log, "elm, rk4", Interval, clock);
        shortRollout.Report(0.5);
        clock.Advance(TimeSpan.FromSeconds(4.9));
        shortRollout.Report(1.0); // done within 5 s: no line
        fit.Report(new ParallelFit.Progress(100, 1000));
        Assert.Empty(sink.Lines);

        clock.Advance(TimeSpan.FromSeconds(0.1));
        fit.Report(new ParallelFit.Progress(500, 1000));
        fit.Report(new ParallelFit.Progress(600, 1000)); // same instant: dropped
        Assert.Equal(["fit u-swim: QR 500/1,000 rows (50 %), 5 s elapsed, ~5 s to go"], sink.Lines);
    }

    [Fact]
    public void Adam_logs_its_last_step_at_once()
    {
        var clock = new FakeTimeProvider();
        var sink = new ListSink();
        using var log = Logger(sink);
        var progress = ThrottledProgress.Adam(log, "adam width 100", Interval, clock);
        clock.Advance(TimeSpan.FromSeconds(1));
        progress.Report(new AdamProgress(99, 100, 0.5));
        progress.Report(new AdamProgress(100, 100, 2.224e-10));
        Assert.Single(sink.Lines);
        Assert.StartsWith("train adam width 100: step 100/100 (100 %), loss 2.22e-10", sink.Lines[0]);
    }

    [Fact]
    public void With_a_live_display_the_status_line_gets_every_fraction_and_the_log_none()
    {
        var clock = new FakeTimeProvider();
        var sink = new ListSink();
        using var log = Logger(sink);
        var display = new RecordingDisplay();
        using (StageProgress.Use(display))
        {
            using var status = StageProgress.Begin("rollout", "swim, verlet");
            var progress = ThrottledProgress.Rollout(log, "swim, verlet", Interval, clock);
            for (var k = 1; k <= 4; k++)
            {
                clock.Advance(TimeSpan.FromSeconds(10));
                progress.Report(k / 4.0);
            }
        }

        Assert.Empty(sink.Lines);
        var (stage, label, fractions, ended) = Assert.Single(display.Lines);
        Assert.Equal(("rollout", "swim, verlet"), (stage, label));
        Assert.Equal([0.25, 0.5, 0.75, 1.0], fractions);
        Assert.True(ended);
        Assert.Null(StageProgress.Display);
        Assert.Null(StageProgress.Current);
    }

    [Fact]
    public void Without_a_display_begin_is_a_no_op()
    {
        using var status = StageProgress.Begin("fit", "elm");
        status.Report(0.5);
        Assert.Null(StageProgress.Current);
    }

    [Fact]
    public async Task Live_display_draws_the_stage_and_passes_log_lines_through_whole()
    {
        var output = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Ansi = AnsiSupport.Yes,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.Yes,
        });
        var plain = new ListSink();
        using var log = new LoggerConfiguration().MinimumLevel.Information()
            .WriteTo.Sink(LiveProgress.LogSink(plain, "{Message:lj}{NewLine}")).CreateLogger();

        var result = await LiveProgress.RunAsync(console, async () =>
        {
            using var status = StageProgress.Begin("rollout", "a-swim width 1000, verlet");
            status.Report(0.42);
            await Task.Delay(600); // the display refreshes every 250 ms
            log.Information("a log line written while the status line is shown");
            await Task.Delay(600);
            return 7;
        });
        log.Information("after the display");

        Assert.Equal(7, result);
        var text = output.ToString();
        Assert.Contains("rollout a-swim width 1000, verlet", text);
        Assert.Contains("42%", text);
        Assert.Contains("a log line written while the status line is shown", text); // whole, in one piece
        Assert.DoesNotContain("a log line written", string.Join("\n", plain.Lines)); // not around the display
        Assert.Equal(["after the display"], plain.Lines); // the display is gone: plain logging again
    }

    private static Serilog.Core.Logger Logger(ListSink sink) =>
        new LoggerConfiguration().MinimumLevel.Information().WriteTo.Sink(sink).CreateLogger();

    private sealed class ListSink : Serilog.Core.ILogEventSink
    {
        public List<string> Lines { get; } = [];

        public void Emit(LogEvent logEvent)
        {
            lock (Lines)
            {
                Lines.Add(logEvent.RenderMessage(System.Globalization.CultureInfo.InvariantCulture).Replace("\"", "", StringComparison.Ordinal));
            }
        }
    }

    private sealed class RecordingDisplay : IProgressDisplay
    {
        public List<(string Stage, string Label, List<double> Fractions, bool Ended)> Lines { get; } = [];

        public IStageStatus Begin(string stage, string label)
        {
            Lines.Add((stage, label, [], false));
            return new Status(this, Lines.Count - 1);
        }

        private sealed class Status(RecordingDisplay owner, int index) : IStageStatus
        {
            public void Report(double fraction) => owner.Lines[index].Fractions.Add(fraction);

            public void Dispose() => owner.Lines[index] = owner.Lines[index] with { Ended = true };
        }
    }
}
