using Hnn.Pipeline.Config;

namespace Hnn.Pipeline.Execution;

/// <summary>
/// An internal failure of one stage of a run (not bad input, not a signal): a cached artifact that cannot be decoded,
/// with the original exception as the inner one; and (<see cref="Note"/>, <see cref="Where"/>) the stage and experiment
/// any other exception of a stage came from. The CLI prints one line and writes the full trace to the run's
/// <c>error.log</c> (Program.cs, Commands.RunAsync); exit code 1.
/// </summary>
public sealed class StageFailedException : Exception
{
    public StageFailedException()
    {
    }

    public StageFailedException(string message) : base(message)
    {
    }

    public StageFailedException(string message, Exception inner) : base(message, inner)
    {
    }

    /// <summary>
    /// Where exceptions came from (<see cref="Note"/>), held beside them: the exception objects themselves are not
    /// changed (an exception that crosses to another silo is serialized as it was thrown).
    /// </summary>
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<Exception, string> Places = [];

    /// <summary>
    /// Records which stage and experiment an exception thrown by a stage's compute came from (the innermost stage,
    /// once), without wrapping or changing it: its type stays, so the callers that catch it (a failed rollout is a
    /// finding, not a reason to stop) still do. Returns false, for use as an exception filter.
    /// </summary>
    public static bool Note(Exception e, string stage, string label, string key)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (e is not OperationCanceledException)
        {
            Places.TryAdd(e, $"stage {stage} ({label}, key {key})");
        }

        return false;
    }

    /// <summary>Where an exception came from (<see cref="Note"/>, or a wrapped one's), or null.</summary>
    public static string? Where(Exception e) => e switch
    {
        StageFailedException { Stage: { } stage, Label: var label } => $"stage {stage} ({label})",
        _ when Places.TryGetValue(e, out var place) => place,
        AggregateException { InnerExceptions.Count: > 0 } a => Where(a.InnerExceptions[0]),
        { InnerException: { } inner } => Where(inner),
        _ => null,
    };

    /// <summary>A cached artifact whose seal is valid could not be decoded: names the file and what to do.</summary>
    public static StageFailedException Decode(string stage, string label, string path, Exception inner) =>
        new($"stage {stage} ({label}): the cached artifact {path} cannot be read ({Describe(inner)}); move it aside or delete it, and run the same command again to recompute it", inner)
        { Stage = stage, Label = label };

    /// <summary>The stage that failed.</summary>
    public string? Stage { get; private init; }

    /// <summary>The experiment (or data set) it ran for.</summary>
    public string? Label { get; private init; }

    /// <summary>An exception as "Type: first line of its message", cut to a readable length.</summary>
    public static string Describe(Exception e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return $"{e.GetType().Name}: {Shown.Cut(SpecReader.FirstLine(e.Message), 200)}";
    }

}
