using System.Globalization;
using System.Numerics;
using Hnn.Datasets;

namespace Hnn.Pipeline.Config;

/// <summary>Reads typed values out of a <see cref="ConfigNode"/> tree, collecting every problem with its key path.</summary>
internal sealed class SpecReader(string file)
{
    private readonly List<string> _problems = [];

    public IReadOnlyList<string> Problems => _problems;

    public void Problem(string path, string message) => _problems.Add($"{file}: {path}: {message}");

    public void CheckKeys(MapNode? map, string path, IReadOnlyCollection<string> allowed)
    {
        if (map is null)
        {
            return;
        }

        foreach (var (key, value) in map.Entries)
        {
            if (!allowed.Contains(key))
            {
                var full = Shown.Cut(path.Length == 0 ? key : $"{path}.{key}", 80);
                var near = key.Length <= 64 ? Nearest.Match(key, allowed) : null;
                var hint = near is null ? $"allowed keys: {string.Join(", ", allowed)}" : $"did you mean '{(path.Length == 0 ? near : $"{path}.{near}")}'?";

                // A key merged in from an include names the file it came from.
                var from = value.Source.StartsWith(file + ":", StringComparison.Ordinal) || value.Source.StartsWith("--set", StringComparison.Ordinal) ? string.Empty : $" (in {value.Source})";
                Problem(full, $"unknown key{from}; {hint}");
            }
        }
    }

    public MapNode? Map(MapNode? parent, string key, string path, bool required)
    {
        var node = parent?[key];
        if (node is null)
        {
            if (required)
            {
                Problem(path, "is required");
            }

            return null;
        }

        if (node is MapNode m)
        {
            return m;
        }

        Problem(path, "must be a mapping (key: value lines)");
        return null;
    }

    public string? String(MapNode? parent, string key, string path, string? fallback, IReadOnlyCollection<string>? allowed = null)
    {
        var node = parent?[key];
        if (node is null)
        {
            return fallback;
        }

        if (node is not ScalarNode { Value: not null } s)
        {
            Problem(path, "must be a string");
            return fallback;
        }

        if (allowed is not null && !allowed.Contains(s.Value))
        {
            var near = s.Value.Length <= 64 ? Nearest.Match(s.Value, allowed) : null;
            Problem(path, $"'{Shown.Cut(s.Value)}' is not allowed; allowed: {string.Join(", ", allowed)}{(near is null ? string.Empty : $" (did you mean '{near}'?)")}");
            return fallback;
        }

        return s.Value;
    }

    public double? Double(ConfigNode? node, string path)
    {
        if (node is null)
        {
            return null;
        }

        if (node is ScalarNode s && s.TryDouble(out var v))
        {
            if (!double.IsFinite(v))
            {
                Problem(path, $"{Shown.Cut(s.Value)} is not allowed: must be a finite number");
                return null;
            }

            return v;
        }

        Problem(path, $"{Describe(node)} is not a number");
        return null;
    }

    public long? Integer(ConfigNode? node, string path, long min, long max)
    {
        // An integer literal is compared exactly (through a double, 2^63 would round to long.MaxValue and pass).
        if (node is ScalarNode { Quoted: false, Value: { Length: <= 40 } text } && BigInteger.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var exact))
        {
            if (exact < min || exact > max)
            {
                Problem(path, $"{Describe(node)} is not allowed: must be an integer in [{min}, {max}]");
                return null;
            }

            return (long)exact;
        }

        var d = Double(node, path);
        if (d is null)
        {
            return null;
        }

        // (double)long.MaxValue is 2^63, so "<= max" alone would let 2^63 (written e.g. as 9.3e18) through.
        if (d.Value != Math.Floor(d.Value) || d.Value < min || d.Value > max || d.Value >= 9.2233720368547758e18)
        {
            Problem(path, $"{Describe(node!)} is not allowed: must be an integer in [{min}, {max}]");
            return null;
        }

        return (long)d.Value;
    }

    /// <summary>A list key that must not be empty (an empty sweep would run nothing and report success).</summary>
    public void NotEmpty(ConfigNode? node, string path, string what)
    {
        if (node is ListNode { Items.Count: 0 })
        {
            Problem(path, $"[] is not allowed: must list at least one {what}");
        }
    }

    /// <summary>A scalar or a list of scalars, as a list.</summary>
    public IReadOnlyList<ConfigNode> OneOrMany(ConfigNode? node) => node switch
    {
        null => [],
        ListNode l => l.Items,
        _ => [node],
    };

    /// <summary>A list of lists (e.g. intervals, states); a single flat list such as [1, 2] counts as one item.</summary>
    public IReadOnlyList<ConfigNode> ListOfLists(ConfigNode? node) =>
        node is ListNode l && l.Items.Count > 0 && l.Items[0] is ScalarNode ? [node] : OneOrMany(node);

    public static string Describe(ConfigNode node) => node switch
    {
        ScalarNode { Value: null } => "an empty value",
        ScalarNode s => $"'{Shown.Cut(s.Value)}'",
        ListNode => "a list",
        _ => "a mapping",
    };

    public static string Format(double v) => v.ToString("R", CultureInfo.InvariantCulture);
}
