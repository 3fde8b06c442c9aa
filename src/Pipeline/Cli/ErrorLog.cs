using System.Globalization;
using Hnn.Pipeline.Config;
using Hnn.Pipeline.Execution;

namespace Hnn.Pipeline.Cli;

/// <summary>
/// Internal failures (exit 1): the terminal gets one line — what failed (the stage and experiment when a stage threw)
/// and where the full trace is — and the trace goes to a file: a run's <c>runs/&lt;id&gt;/error.log</c>, else
/// <c>hnn-error-&lt;utc&gt;-&lt;pid&gt;.log</c> in the temporary folder. <c>-v</c> also logs the trace to stderr.
/// </summary>
internal static class ErrorLog
{
    /// <summary>The file each exception's trace was written to (beside it: the exception itself is not changed).</summary>
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<Exception, string> Written = [];

    /// <summary>The file name of a run's trace (in its run folder).</summary>
    public const string RunFileName = "error.log";

    /// <summary>
    /// An internal failure: not a stop (cancellation), not bad input (InputException, ArgumentException,
    /// InvalidDataException: exit 2 with their own line), not a file system refusal (IOException,
    /// UnauthorizedAccessException: one line, exit 1, no trace to keep).
    /// </summary>
    public static bool IsInternal(Exception e) => e is not (OperationCanceledException or InputException or ArgumentException or InvalidDataException
        or IOException or UnauthorizedAccessException);

    /// <summary>
    /// Writes the trace of <paramref name="e"/> to <paramref name="path"/> (the temporary folder's file when null or
    /// when that write fails), records the file beside the exception and returns it; null if no file could be written.
    /// </summary>
    public static string? Write(Exception e, string? path = null)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (Written.TryGetValue(e, out var written))
        {
            return written;
        }

        var now = TimeProvider.System.GetUtcNow();
        var text = string.Create(CultureInfo.InvariantCulture, $"{now:yyyy-MM-ddTHH:mm:ssZ} hnn {string.Join(' ', Environment.GetCommandLineArgs().Skip(1))}{Environment.NewLine}{(StageFailedException.Where(e) is { } where ? where + Environment.NewLine : string.Empty)}{e}{Environment.NewLine}");
        foreach (var candidate in new[] { path, Path.Combine(Path.GetTempPath(), string.Create(CultureInfo.InvariantCulture, $"hnn-error-{now:yyyyMMdd-HHmmss}-{Environment.ProcessId}.log")) })
        {
            if (candidate is null)
            {
                continue;
            }

            try
            {
                Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(candidate))!);
                File.WriteAllText(candidate, text);
                Written.AddOrUpdate(e, candidate);
                return candidate;
            }
            catch (Exception io) when (io is IOException or UnauthorizedAccessException)
            {
                // try the next place
            }
        }

        return null;
    }

    /// <summary>The one line the terminal gets: "error: internal failure in WHERE: Type: message; the full trace is in FILE (-v prints it here)".</summary>
    public static string Line(Exception e, string? path)
    {
        ArgumentNullException.ThrowIfNull(e);
        var trace = path is null ? "no trace file could be written; -v prints the trace" : $"the full trace is in {path} (-v also prints it here)";
        return $"error: {OneLine(What(e))}; {trace}";
    }

    /// <summary>
    /// What failed, as <see cref="Line"/> says it: "internal failure in stage S (experiment, key K): Type: message" (no
    /// "in ..." when nothing recorded where), a <see cref="StageFailedException"/>'s own message, or the one line an
    /// experiment on a silo sent back (<see cref="Hnn.Cluster.RemoteFailureException"/>: the same words as locally).
    /// </summary>
    public static string What(Exception e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var inner = e is AggregateException { InnerExceptions.Count: > 0 } a ? a.InnerExceptions[0] : e;
        return inner switch
        {
            StageFailedException s => s.Message,
            Hnn.Cluster.RemoteFailureException r => r.Message,
            _ => $"internal failure{(StageFailedException.Where(inner) is { } where ? $" in {where}" : string.Empty)}: {StageFailedException.Describe(inner)}",
        };
    }

    private static string OneLine(string s) => string.Join(' ', s.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
