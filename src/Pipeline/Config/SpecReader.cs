using System.Globalization;
using System.Numerics;
using Hnn.Datasets;

namespace Hnn.Pipeline.Config;

/// <summary>
/// Reads typed values out of a <see cref="ConfigNode"/> tree, collecting every problem with its key path. A problem
/// names the file, the YAML line of the key (the deepest node of its path that the tree has: a missing key points at
/// its section) and the key: <c>p.yaml:12: model.widths[0]: ...</c>; a key from an included file names that file and
/// line too, and a --set value has no line.
/// </summary>
internal sealed class SpecReader(string file, MapNode? root = null)
{
    private readonly List<string> _problems = [];

    public IReadOnlyList<string> Problems => _problems;

    /// <summary>The pipeline file the problems name.</summary>
    public string File => file;

    public void Problem(string path, string message) => Problem(Locate(path), path, message);

    /// <summary>A problem at a node (its line) of the key <paramref name="path"/>.</summary>
    public void Problem(ConfigNode? at, string path, string message)
    {
        var source = at?.Source;
        var line = ConfigNode.LineOf(source);
        if (line is not null && source!.StartsWith(file + ":", StringComparison.Ordinal))
        {
            _problems.Add($"{file}:{line}: {path}: {message}");
        }
        else if (line is not null && !source!.StartsWith("--set", StringComparison.Ordinal))
        {
            // A key merged in from an include names the file and line it came from.
            _problems.Add($"{file}: {path} (in {source}): {message}");
        }
        else
        {
            _problems.Add($"{file}: {path}: {message}");
        }
    }

    /// <summary>The deepest node of a key path such as <c>model.widths[1]</c> or <c>rollout.initial[0][1]</c> in the tree.</summary>
    public ConfigNode? Locate(string path)
    {
        ConfigNode? node = root;
        ConfigNode? found = null;
        foreach (var segment in path.Split('.'))
        {
            var bracket = segment.IndexOf('[', StringComparison.Ordinal);
            var key = bracket < 0 ? segment : segment[..bracket];
            node = key.Length == 0 ? node : (node as MapNode)?[key];
            if (node is null)
            {
                return found;
            }

            found = node;
            for (var i = bracket; i >= 0 && i < segment.Length; i = segment.IndexOf('[', i + 1))
            {
                var close = segment.IndexOf(']', i);
                if (close < 0 || !int.TryParse(segment.AsSpan(i + 1, close - i - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var index))
                {
                    return found;
                }

                // A single flat list such as [1, 2] also stands for a list of one list (see ListOfLists).
                node = node is ListNode l && index < l.Items.Count ? l.Items[index] : null;
                if (node is null)
                {
                    return found;
                }

                found = node;
            }
        }

        return found;
    }

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
                Problem(value, full, $"unknown key; {hint}");
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

    /// <summary>A value that is not one of a closed set: names the allowed values and the nearest one.</summary>
    public void NotOneOf(ConfigNode node, string text, string path, string what, IReadOnlyList<string> allowed)
    {
        var near = Nearest.Match(Shown.Cut(text, 64), allowed);
        Problem(path, $"{Describe(node)} is not {what}; allowed: {string.Join(", ", allowed)}{(near is null ? string.Empty : $" (did you mean '{near}'?)")}");
    }

    /// <summary>A path in the pipeline file, resolved against the file's folder.</summary>
    public string Resolve(string path) =>
        System.IO.Path.IsPathRooted(path) ? path : System.IO.Path.GetFullPath(System.IO.Path.Combine(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(file))!, path));

    /// <summary>
    /// <c>seed:</c> or <c>seeds:</c> of a section (not both): the seeds in order (a repeated seed is refused); <paramref name="fallback"/> alone
    /// when neither is given; none when the section is absent.
    /// </summary>
    public List<ulong> Seeds(MapNode? map, string section, ulong fallback)
    {
        var seeds = new List<ulong>();
        if (map is null)
        {
            return seeds;
        }

        if (map["seed"] is not null && map["seeds"] is not null)
        {
            Problem($"{section}.seeds", $"give either {section}.seed or {section}.seeds, not both");
        }

        var node = map["seeds"] ?? map["seed"];
        var key = map["seeds"] is not null ? "seeds" : "seed";
        NotEmpty(node, $"{section}.{key}", "seed");
        var listed = new List<(ConfigNode?, int, ulong)>();
        foreach (var (n, i) in OneOrMany(node).Select((n, i) => (n, i)))
        {
            var s = Integer(n, $"{section}.{key}[{i}]", 0, long.MaxValue);
            if (s is not null)
            {
                listed.Add((n, i, (ulong)s));
                if (!seeds.Contains((ulong)s))
                {
                    seeds.Add((ulong)s);
                }
            }
        }

        Repeats.Check(this, $"{section}.{key}", listed, s => s.ToString(CultureInfo.InvariantCulture), "seed");

        if (node is null)
        {
            seeds.Add(fallback);
        }

        return seeds;
    }

    /// <summary>The first line of an exception message, without its "(Parameter 'x')" tail.</summary>
    public static string FirstLine(string s)
    {
        var i = s.IndexOfAny(['\r', '\n']);
        var line = i < 0 ? s : s[..i];
        var p = line.LastIndexOf(" (Parameter '", StringComparison.Ordinal);
        return p > 0 ? line[..p] : line;
    }

    public static string Describe(ConfigNode node) => node switch
    {
        ScalarNode { Value: null } => "an empty value",
        ScalarNode s => $"'{Shown.Cut(s.Value)}'",
        ListNode => "a list",
        _ => "a mapping",
    };

    public static string Format(double v) => v.ToString("R", CultureInfo.InvariantCulture);
}
