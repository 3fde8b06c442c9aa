using System.Globalization;
using System.Text.RegularExpressions;
using Hnn.Pipeline.Config;

namespace Hnn.Pipeline.Cli;

/// <summary>
/// Checks of command-line option values, each failing with one <see cref="InputException"/> line that names the option,
/// the value and what is allowed (exit 2), before a command starts any work; and the one-line form of
/// System.CommandLine's own parse errors (no .NET type names).
/// </summary>
public static partial class CliChecks
{
    /// <summary>An integer option that must be at least <paramref name="min"/>.</summary>
    public static int AtLeast(string option, int value, int min) => value >= min
        ? value
        : throw new InputException(string.Create(CultureInfo.InvariantCulture, $"{option} {value}: must be an integer >= {min}"));

    /// <summary>A number option that must be finite and &gt; 0.</summary>
    public static double Positive(string option, double value) => double.IsFinite(value) && value > 0
        ? value
        : throw new InputException($"{option} {value.ToString("R", CultureInfo.InvariantCulture)}: must be a finite number > 0");

    /// <summary>A number option in [0, 1).</summary>
    public static double UnitInterval(string option, double value) => double.IsFinite(value) && value >= 0 && value < 1
        ? value
        : throw new InputException($"{option} {value.ToString("R", CultureInfo.InvariantCulture)}: must be a number in [0, 1)");

    /// <summary>A name option that must be one of <paramref name="allowed"/> (ordinal, or ignoring case when asked).</summary>
    public static string OneOf(string option, string value, IReadOnlyList<string> allowed, bool ignoreCase = false)
    {
        var match = allowed.FirstOrDefault(a => string.Equals(a, value, ignoreCase ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal));
        return match ?? throw new InputException($"{option} '{Shown.Cut(value)}': not allowed; allowed: {string.Join(", ", allowed)}");
    }

    /// <summary>A comma-separated list of seeds: at least one, each an integer in [0, 2^64 - 1], none twice.</summary>
    public static IReadOnlyList<ulong> Seeds(string option, string text)
    {
        var items = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var seeds = new List<ulong>(items.Length);
        foreach (var item in items)
        {
            if (!ulong.TryParse(item, NumberStyles.None, CultureInfo.InvariantCulture, out var seed))
            {
                throw new InputException($"{option} '{Shown.Cut(text)}': '{Shown.Cut(item)}' is not a seed; allowed: comma-separated non-negative integers, e.g. 1,2,3");
            }

            seeds.Add(seed);
        }

        Repeats.CheckOption(option, text, seeds, s => s.ToString(CultureInfo.InvariantCulture), "seed");
        return seeds.Count > 0
            ? seeds
            : throw new InputException($"{option} '{Shown.Cut(text)}': lists no seed; allowed: comma-separated non-negative integers, e.g. 1,2,3");
    }

    /// <summary>An output file option: its folder must exist and the path must not be a folder (checked before any work).</summary>
    public static void OutputFile(string option, string path)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        if (!Directory.Exists(dir))
        {
            throw new InputException($"{option} {Shown.Cut(path, 120)}: folder {Shown.Cut(dir, 120)} does not exist");
        }

        if (Directory.Exists(path))
        {
            throw new InputException($"{option} {Shown.Cut(path, 120)} is a folder; give a file name");
        }
    }

    /// <summary>An output folder option: it may not exist yet (it is created), but it may not be a file.</summary>
    public static void OutputFolder(string option, string path)
    {
        if (File.Exists(path))
        {
            throw new InputException($"{option} {Shown.Cut(path, 120)}: is a file; give a folder (it is created if missing)");
        }
    }

    /// <summary>Runs a write of the file an option names; a file system refusal (read-only, no permission, a special folder) is bad input naming the option.</summary>
    public static void Writing(string option, string path, Action write)
    {
        ArgumentNullException.ThrowIfNull(write);
        try
        {
            write();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InputException($"{option} {Shown.Cut(path, 120)}: cannot write there ({e.GetType().Name switch { nameof(UnauthorizedAccessException) => "permission denied", _ => "the file system refused it" }})", e);
        }
    }

    /// <summary>
    /// System.CommandLine's parse errors as one line: its type-conversion message ("Cannot parse argument 'abc' for option
    /// '--width' as expected type 'System.Nullable`1[System.Int32]'.") says what kind of value is allowed instead of
    /// the .NET type; several errors are joined with "; "; the line ends with where the command's help is.
    /// </summary>
    public static string ParseErrorLine(IEnumerable<string> messages, string commandPath)
    {
        var parts = messages.Select(m => OneLine(Rewrite(m))).Distinct(StringComparer.Ordinal).ToList();
        return $"error: {string.Join("; ", parts)} (see 'hnn {(commandPath.Length == 0 ? string.Empty : commandPath + " ")}--help')";
    }

    private static string Rewrite(string message)
    {
        var m = CannotParse().Match(message);
        if (!m.Success)
        {
            return message.TrimEnd('.');
        }

        var type = m.Groups["type"].Value;
        var kind = type.Contains("UInt64", StringComparison.Ordinal) ? "must be a non-negative integer (0 to 18446744073709551615)"
            : type.Contains("Int32", StringComparison.Ordinal) ? "must be an integer"
            : type.Contains("Int64", StringComparison.Ordinal) ? "must be an integer"
            : type.Contains("Double", StringComparison.Ordinal) ? "must be a number (e.g. 0.5, 1e-3)"
            : type.Contains("Boolean", StringComparison.Ordinal) ? "must be true or false"
            : "is not a value of the allowed kind";
        return $"{m.Groups["option"].Value} '{Shown.Cut(m.Groups["value"].Value)}': {kind}";
    }

    private static string OneLine(string s) => string.Join(' ', s.Split(['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    [GeneratedRegex(@"^Cannot parse argument '(?<value>.*)' for (?:option|argument) '(?<option>[^']*)' as expected type '(?<type>[^']*)'\.?$", RegexOptions.Singleline)]
    private static partial Regex CannotParse();
}
