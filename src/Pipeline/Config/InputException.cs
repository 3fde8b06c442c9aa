namespace Hnn.Pipeline.Config;

/// <summary>
/// Bad input from the user (config, data file, CLI). The CLI prints the message on one line and exits with 2.
/// </summary>
public sealed class InputException : Exception
{
    public InputException(string message)
        : base(message)
    {
    }

    public InputException(IReadOnlyList<string> problems)
        : base(problems.Count == 1 ? problems[0] : $"{problems.Count} problems: " + string.Join("; ", problems.Take(MaxShown)) + (problems.Count > MaxShown ? $"; ... and {problems.Count - MaxShown} more" : string.Empty))
    {
        Problems = problems;
    }

    public InputException(string message, Exception inner)
        : base(message, inner)
    {
    }

    /// <summary>Problems shown in the message (all of them stay in <see cref="Problems"/>).</summary>
    public const int MaxShown = 10;

    public IReadOnlyList<string> Problems { get; } = [];
}
