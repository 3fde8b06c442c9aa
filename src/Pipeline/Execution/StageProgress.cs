namespace Hnn.Pipeline.Execution;

/// <summary>The live status of one running stage (e.g. "rollout a-swim width 1000 seed 0, verlet").</summary>
public interface IStageStatus : IDisposable
{
    /// <summary>The fraction done, in [0, 1]; a stage that never reports one is shown with its elapsed time only.</summary>
    void Report(double fraction);
}

/// <summary>Where running stages are shown live (a terminal's status lines; see Cli/LiveProgress.cs).</summary>
public interface IProgressDisplay
{
    /// <summary>A new status line for <paramref name="stage"/> <paramref name="label"/>; disposing it removes the line.</summary>
    IStageStatus Begin(string stage, string label);
}

/// <summary>
/// The live display of the current asynchronous flow, if any (set by the command line on a terminal), and the status of
/// the stage running in it. With no display everything here is a no-op, and progress goes to the log as before
/// (<see cref="ThrottledProgress"/>).
/// </summary>
public static class StageProgress
{
    private static readonly AsyncLocal<IProgressDisplay?> DisplayOfFlow = new();
    private static readonly AsyncLocal<IStageStatus?> CurrentOfFlow = new();

    /// <summary>The display of this flow, or null (no terminal, or not asked for).</summary>
    public static IProgressDisplay? Display => DisplayOfFlow.Value;

    /// <summary>The status of the stage this flow computes, or null.</summary>
    public static IStageStatus? Current => CurrentOfFlow.Value;

    /// <summary>Shows the stages run in this flow (and the tasks it starts) on <paramref name="display"/> until disposed.</summary>
    public static IDisposable Use(IProgressDisplay display)
    {
        ArgumentNullException.ThrowIfNull(display);
        var previous = DisplayOfFlow.Value;
        DisplayOfFlow.Value = display;
        return new Restore(() => DisplayOfFlow.Value = previous);
    }

    /// <summary>
    /// A status line for a stage computed in this flow (it becomes <see cref="Current"/> for the work started from
    /// here); a no-op without a display. Dispose it when the stage ends.
    /// </summary>
    public static IStageStatus Begin(string stage, string label)
    {
        if (DisplayOfFlow.Value is not { } display)
        {
            return NoStatus.Instance;
        }

        var previous = CurrentOfFlow.Value;
        var status = display.Begin(stage, label);
        CurrentOfFlow.Value = status;
        return new Scoped(status, () => CurrentOfFlow.Value = previous);
    }

    private sealed class Restore(Action restore) : IDisposable
    {
        public void Dispose() => restore();
    }

    private sealed class Scoped(IStageStatus inner, Action restore) : IStageStatus
    {
        public void Report(double fraction) => inner.Report(fraction);

        public void Dispose()
        {
            inner.Dispose();
            restore();
        }
    }

    private sealed class NoStatus : IStageStatus
    {
        public static readonly NoStatus Instance = new();

        public void Report(double fraction)
        {
        }

        public void Dispose()
        {
        }
    }
}
