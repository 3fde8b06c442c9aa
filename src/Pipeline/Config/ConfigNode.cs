using Hnn.Datasets;
using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Hnn.Pipeline.Config;

/// <summary>An immutable YAML-like tree (mapping, sequence, scalar) with the file and line it came from.</summary>
public abstract record ConfigNode(string Source)
{
    /// <summary>The YAML line of a node's <see cref="Source"/> ("file:line"); null for a node made by --set or a merge.</summary>
    public int? Line => LineOf(Source);

    /// <summary>The line of a source "file:line" (the part after the last colon), or null.</summary>
    public static int? LineOf(string? source)
    {
        if (source is null || source.StartsWith("--set", StringComparison.Ordinal))
        {
            return null;
        }

        var colon = source.LastIndexOf(':');
        return colon > 0 && int.TryParse(source.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var line) ? line : null;
    }

    public static ConfigNode Parse(string text, string source)
    {
        var stream = new YamlStream();
        using var reader = new StringReader(text);
        var scanner = new Scanner(reader);
        try
        {
            // Depth and node budget first: the tree builders below recurse and expand aliases.
            YamlLimits.Check(text, source);
            stream.Load(new Parser(scanner));
        }
        catch (YamlException e)
        {
            throw new InputException($"{source}:{e.Start.Line}:{e.Start.Column}: malformed YAML: {Shown.Cut(FirstLine(e.InnerException?.Message ?? e.Message), 160)}");
        }
        catch (Exception e) when (e is ArgumentException or InvalidCastException or NullReferenceException or IndexOutOfRangeException or KeyNotFoundException)
        {
            // YamlDotNet's tree builder throws an ArgumentException (not a YamlException) for an event it does not
            // expect, e.g. an alias glued to a flow collection ("q: [[-5, 5]]*b"); the others are a net for its bugs.
            var at = scanner.CurrentPosition;
            throw new InputException($"{source}:{at.Line}:{at.Column}: malformed YAML: an alias, anchor or entry where none can be (e.g. an alias right after a closing bracket)");
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet's scanner throws this (not a YamlException) for some unclosed flow collections, e.g. "q: [[-5, 5]" followed by more lines.
            var at = scanner.CurrentPosition;
            throw new InputException($"{source}:{at.Line}:{at.Column}: malformed YAML: unclosed '[' or '{{' (unbalanced brackets?)");
        }

        if (stream.Documents.Count == 0)
        {
            return new MapNode(source, []);
        }

        if (stream.Documents.Count > 1)
        {
            throw new InputException($"{source}: expected one YAML document, found {stream.Documents.Count}");
        }

        return Convert(stream.Documents[0].RootNode, source);
    }

    /// <summary>Reads and parses a pipeline or include file (a regular UTF-8 text file of bounded size, see <see cref="InputFile"/>).</summary>
    public static ConfigNode Load(string path) => Parse(InputFile.ReadConfigText(path), path);

    /// <summary>Deep merge: mappings merge key by key, anything else in <paramref name="over"/> replaces.</summary>
    public static ConfigNode Merge(ConfigNode under, ConfigNode over)
    {
        if (under is MapNode a && over is MapNode b)
        {
            var result = new List<KeyValuePair<string, ConfigNode>>(a.Entries);
            var index = new Dictionary<string, int>(StringComparer.Ordinal);
            for (var j = 0; j < result.Count; j++)
            {
                index.TryAdd(result[j].Key, j);
            }

            foreach (var (key, value) in b.Entries)
            {
                if (index.TryGetValue(key, out var i))
                {
                    result[i] = new(key, Merge(result[i].Value, value));
                }
                else
                {
                    index[key] = result.Count;
                    result.Add(new(key, value));
                }
            }

            return new MapNode(b.Source, result);
        }

        return over;
    }

    /// <summary>Returns a copy with the value at a dotted path (e.g. "model.widths") replaced.</summary>
    public static ConfigNode SetPath(ConfigNode root, string dottedPath, ConfigNode value)
    {
        var parts = dottedPath.Split('.');
        if (parts.Any(string.IsNullOrWhiteSpace))
        {
            throw new InputException($"--set {dottedPath}: the key path has an empty segment");
        }

        return SetPath(root, parts, 0, value, dottedPath);
    }

    /// <summary>
    /// Returns a copy without the key at a dotted path (what <c>--set key=null</c> does). A path that is not in the tree
    /// is refused, naming the nearest key that is, so a misspelt removal is not silently a no-op.
    /// </summary>
    public static ConfigNode RemovePath(ConfigNode root, string dottedPath)
    {
        var parts = dottedPath.Split('.');
        if (parts.Any(string.IsNullOrWhiteSpace))
        {
            throw new InputException($"--set {Shown.Cut(dottedPath)}: the key path has an empty segment");
        }

        return RemovePath(root, parts, 0, dottedPath);
    }

    private static ConfigNode RemovePath(ConfigNode node, string[] parts, int i, string full)
    {
        var at = string.Join('.', parts[..(i + 1)]);
        if (node is not MapNode map)
        {
            throw new InputException($"--set {Shown.Cut(full)}=null: '{Shown.Cut(string.Join('.', parts[..i]))}' is not a mapping, so it has no key '{Shown.Cut(parts[i])}' to remove");
        }

        var entries = new List<KeyValuePair<string, ConfigNode>>(map.Entries);
        var idx = entries.FindIndex(e => e.Key == parts[i]);
        if (idx < 0)
        {
            var near = parts[i].Length <= 64 ? Nearest.Match(parts[i], entries.Select(e => e.Key).ToList()) : null;
            var hint = near is null ? string.Empty : $" (did you mean '{(i == 0 ? near : $"{string.Join('.', parts[..i])}.{near}")}'?)";
            throw new InputException($"--set {Shown.Cut(full)}=null: {Shown.Cut(at)} is not set in the pipeline or its includes, so there is nothing to remove{hint}; null removes a key that is set (its default then applies)");
        }

        if (i == parts.Length - 1)
        {
            entries.RemoveAt(idx);
        }
        else
        {
            entries[idx] = new(parts[i], RemovePath(entries[idx].Value, parts, i + 1, full));
        }

        return new MapNode(map.Source, entries);
    }

    private static ConfigNode SetPath(ConfigNode node, string[] parts, int i, ConfigNode value, string full)
    {
        if (i == parts.Length)
        {
            return value;
        }

        if (node is not MapNode map)
        {
            throw new InputException($"--set {full}: '{string.Join('.', parts[..i])}' is not a mapping");
        }

        var entries = new List<KeyValuePair<string, ConfigNode>>(map.Entries);
        var idx = entries.FindIndex(e => e.Key == parts[i]);
        var child = idx >= 0 ? entries[idx].Value : new MapNode("--set", []);
        var updated = SetPath(child, parts, i + 1, value, full);
        if (idx >= 0)
        {
            entries[idx] = new(parts[i], updated);
        }
        else
        {
            entries.Add(new(parts[i], updated));
        }

        return new MapNode(map.Source, entries);
    }

    private static ConfigNode Convert(YamlNode node, string source)
    {
        var where = $"{source}:{node.Start.Line}";
        switch (node)
        {
            case YamlMappingNode m:
                var entries = new List<KeyValuePair<string, ConfigNode>>();
                var keys = new HashSet<string>(StringComparer.Ordinal);
                foreach (var (k, v) in m.Children)
                {
                    if (k is not YamlScalarNode ks || ks.Value is null)
                    {
                        throw new InputException($"{source}:{k.Start.Line}: mapping keys must be plain strings");
                    }

                    if (!keys.Add(ks.Value))
                    {
                        throw new InputException($"{source}:{k.Start.Line}: duplicate key '{Shown.Cut(ks.Value)}'");
                    }

                    entries.Add(new(ks.Value, Convert(v, source)));
                }

                return new MapNode(where, entries);
            case YamlSequenceNode s:
                return new ListNode(where, s.Children.Select(c => Convert(c, source)).ToList());
            case YamlScalarNode sc:
                var isNull = sc.Style == ScalarStyle.Plain && (sc.Value is null or "" or "~" or "null");
                return new ScalarNode(where, isNull ? null : sc.Value, sc.Style != ScalarStyle.Plain);
            default:
                throw new InputException($"{where}: YAML aliases and tags are not supported");
        }
    }

    private static string FirstLine(string s)
    {
        var i = s.IndexOfAny(['\r', '\n']);
        return i < 0 ? s : s[..i];
    }
}

public sealed record MapNode(string Source, IReadOnlyList<KeyValuePair<string, ConfigNode>> Entries) : ConfigNode(Source)
{
    public ConfigNode? this[string key] => Entries.FirstOrDefault(e => e.Key == key).Value;
}

public sealed record ListNode(string Source, IReadOnlyList<ConfigNode> Items) : ConfigNode(Source);

/// <summary>A scalar; <see cref="Quoted"/> is true for quoted strings (never read as numbers).</summary>
public sealed record ScalarNode(string Source, string? Value, bool Quoted) : ConfigNode(Source)
{
    public bool TryDouble(out double value)
    {
        value = 0;
        if (Value is null || Quoted)
        {
            return false;
        }

        var v = Value.Trim();
        switch (v.ToLowerInvariant())
        {
            case "pi": value = Math.PI; return true;
            case "-pi": value = -Math.PI; return true;
            case "2pi" or "2*pi": value = 2 * Math.PI; return true;
            case "-2pi" or "-2*pi": value = -2 * Math.PI; return true;
            case ".inf" or "+.inf": value = double.PositiveInfinity; return true;
            case "-.inf": value = double.NegativeInfinity; return true;
            case ".nan": value = double.NaN; return true;
        }

        return double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
    }
}
