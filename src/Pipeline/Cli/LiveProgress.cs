using Hnn.Pipeline.Execution;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting.Display;
using Spectre.Console;

namespace Hnn.Pipeline.Cli;

/// <summary>
/// Live progress on a terminal: while <see cref="RunAsync{T}"/> runs, every stage being computed has one status line
/// (stage and label, a bar with the fraction done, elapsed time, time to go) drawn by Spectre.Console on stderr, and the
/// line goes away when the stage ends. Stages that report no fraction (sampling, evaluation, ...) show an indeterminate
/// bar and their elapsed time. Log lines written meanwhile go through the same console (<see cref="LogSink"/>), above
/// the status lines, so they never tear them. When stderr is not a terminal (or <c>HNN_PROGRESS=plain</c>), nothing is
/// drawn and the periodic progress log lines of <see cref="ThrottledProgress"/> remain.
/// </summary>
public sealed class LiveProgress : IProgressDisplay
{
    /// <summary>Environment variable: <c>plain</c> never draws live lines, <c>live</c> draws them even if stderr does not look like a terminal.</summary>
    public const string EnvironmentVariable = "HNN_PROGRESS";

    private static readonly Lock ActiveSync = new();
    private static IAnsiConsole? active;

    private readonly ProgressContext _context;
    private readonly Lock _sync = new();

    private LiveProgress(ProgressContext context) => _context = context;

    /// <summary>The console of the live display running now, if any (log lines are written through it).</summary>
    internal static IAnsiConsole? Active
    {
        get
        {
            lock (ActiveSync)
            {
                return active;
            }
        }
    }

    /// <summary>
    /// A console on <paramref name="stderr"/> for live progress, or null when it should not be drawn: stderr is not the
    /// process's, is redirected, TERM is dumb, or <c>HNN_PROGRESS=plain</c>.
    /// </summary>
    public static IAnsiConsole? ForStderr(TextWriter stderr)
    {
        var mode = Environment.GetEnvironmentVariable(EnvironmentVariable)?.Trim().ToLowerInvariant();
        if (mode == "plain" || !ReferenceEquals(stderr, Console.Error))
        {
            return null;
        }

        if (mode != "live" && (Console.IsErrorRedirected || Environment.GetEnvironmentVariable("TERM") is "dumb" or null or ""))
        {
            return null;
        }

        return AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(stderr),
            Ansi = AnsiSupport.Yes,
            ColorSystem = ColorSystemSupport.Detect,
            Interactive = InteractionSupport.Yes,
        });
    }

    /// <summary>
    /// Runs <paramref name="work"/> with its stages shown live on <paramref name="console"/> (when null, just runs it).
    /// The status lines are cleared when it ends.
    /// </summary>
    public static async Task<T> RunAsync<T>(IAnsiConsole? console, Func<Task<T>> work, TimeProvider? clock = null)
    {
        ArgumentNullException.ThrowIfNull(work);
        if (console is null)
        {
            return await work().ConfigureAwait(false);
        }

        var progress = new Progress(console, clock ?? TimeProvider.System)
        {
            AutoClear = true,
            HideCompleted = true,
            RefreshRate = TimeSpan.FromMilliseconds(250),
        }.Columns(
            new TaskDescriptionColumn { Alignment = Justify.Left },
            new ProgressBarColumn { Width = 24 },
            new PercentageColumn(),
            new ElapsedTimeColumn(),
            new RemainingTimeColumn());

        lock (ActiveSync)
        {
            active = console;
        }

        // A second signal ends the process at once, in the middle of a redraw: give the cursor back.
        using var cursor = ShutdownHooks.Register(() => console.Cursor.Show(true));
        try
        {
            return await progress.StartAsync(async context =>
            {
                using (StageProgress.Use(new LiveProgress(context)))
                {
                    return await work().ConfigureAwait(false);
                }
            }).ConfigureAwait(false);
        }
        finally
        {
            lock (ActiveSync)
            {
                active = null;
            }
        }
    }

    /// <summary>
    /// A log sink that writes through the live display while one runs (above its status lines) and to
    /// <paramref name="plain"/> otherwise. Disposes <paramref name="plain"/> with itself.
    /// </summary>
    public static ILogEventSink LogSink(ILogEventSink plain, string template) => new LiveAwareSink(plain, template);

    public IStageStatus Begin(string stage, string label)
    {
        ProgressTask task;
        lock (_sync)
        {
            task = _context.AddTask(Markup.Escape($"{stage} {label}"), new ProgressTaskSettings { MaxValue = 1, AutoStart = true });
            task.IsIndeterminate = true;
        }

        return new Status(this, task);
    }

    private void End(ProgressTask task)
    {
        lock (_sync)
        {
            task.StopTask();
            _context.RemoveTask(task);
        }
    }

    private sealed class Status(LiveProgress owner, ProgressTask task) : IStageStatus
    {
        private int _ended;

        public void Report(double fraction)
        {
            if (Volatile.Read(ref _ended) != 0 || !double.IsFinite(fraction))
            {
                return;
            }

            task.IsIndeterminate = false;
            task.Value = Math.Clamp(fraction, 0, 1);
        }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _ended, 1) == 0)
            {
                owner.End(task);
            }
        }
    }

    private sealed class LiveAwareSink(ILogEventSink plain, string template) : ILogEventSink, IDisposable
    {
        private readonly MessageTemplateTextFormatter _formatter = new(template, System.Globalization.CultureInfo.InvariantCulture);

        public void Emit(LogEvent logEvent)
        {
            if (Active is not { } console)
            {
                plain.Emit(logEvent);
                return;
            }

            using var text = new StringWriter(System.Globalization.CultureInfo.InvariantCulture);
            _formatter.Format(logEvent, text);
            var style = logEvent.Level switch
            {
                >= LogEventLevel.Error => new Style(Color.Red),
                LogEventLevel.Warning => new Style(Color.Yellow),
                _ => Style.Plain,
            };
            console.Write(new Text(text.ToString(), style));
        }

        public void Dispose() => (plain as IDisposable)?.Dispose();
    }
}
