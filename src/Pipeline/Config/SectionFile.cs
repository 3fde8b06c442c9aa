using System.Reflection;

namespace Hnn.Pipeline.Config;

/// <summary>
/// Reads a file whose top level is one section (<c>hig:</c> of <c>hnn hig</c>, <c>hdnn:</c> of <c>hnn hdnn</c>) into a
/// settings class: the same reading as a pipeline file (<see cref="ConfigNode.Load"/>: a regular UTF-8 text file of
/// bounded size, well-formed YAML within <see cref="YamlLimits"/>), then the section's keys bound onto the class's
/// settable properties (the key of a property is <c>keyOf(name)</c>; a nested class is a mapping, a list a YAML list or
/// one value). Every problem names the file, the line and the key, and says what is allowed: a file that is not YAML
/// key: value lines, an empty file, a foreign or unknown key, a value of the wrong type. Nothing of the file but the
/// offending key or value (cut to <see cref="Shown.MaxChars"/>) is quoted.
/// </summary>
internal static class SectionFile
{
    /// <summary>
    /// The section <paramref name="section"/> of <paramref name="path"/> bound onto a new <typeparamref name="T"/>.
    /// <paramref name="example"/> names a file of the kind (for messages); <paramref name="foreign"/> may recognise a
    /// top level that is another kind of file and explain it (a message after the file name; null: read on).
    /// </summary>
    public static T Load<T>(string path, string section, Func<string, string> keyOf, string example, Func<MapNode, string?>? foreign = null)
        where T : new()
    {
        var root = ConfigNode.Load(path);
        var shown = InputFile.Shown(path);
        var kind = $"a file with a top-level {section}: section (e.g. {example})";
        if (root is not MapNode map)
        {
            var found = root is ListNode ? "a YAML list" : "plain text (one YAML scalar)";
            throw new InputException($"{shown}: is {found}, not key: value lines; 'hnn {section}' reads {kind}");
        }

        if (map.Entries.Count == 0)
        {
            throw new InputException($"{shown}: the file is empty (no keys); 'hnn {section}' reads {kind}");
        }

        if (foreign?.Invoke(map) is { } explained)
        {
            throw new InputException($"{shown}: {explained}");
        }

        var reader = new SpecReader(path, map);
        reader.CheckKeys(map, string.Empty, [section]);
        var value = new T();
        var node = map[section];
        if (node is null)
        {
            reader.Problem(section, $"is required: 'hnn {section}' reads {kind}");
        }
        else if (node is MapNode m)
        {
            Bind(reader, m, section, value, keyOf);
        }
        else
        {
            reader.Problem(node, section, $"{SpecReader.Describe(node)} is not allowed: must be a mapping (key: value lines)");
        }

        if (reader.Problems.Count > 0)
        {
            throw new InputException(reader.Problems);
        }

        return value;
    }

    /// <summary>The settable public properties of <paramref name="type"/> by their keys, in declaration order.</summary>
    public static IReadOnlyList<(string Key, PropertyInfo Property)> Keys(Type type, Func<string, string> keyOf) =>
        [.. type.GetProperties(BindingFlags.Instance | BindingFlags.Public).Where(p => p.CanWrite && p.GetSetMethod() is not null).Select(p => (keyOf(p.Name), p))];

    private static void Bind(SpecReader reader, MapNode map, string path, object target, Func<string, string> keyOf)
    {
        var keys = Keys(target.GetType(), keyOf);
        reader.CheckKeys(map, path, [.. keys.Select(k => k.Key)]);
        foreach (var (key, property) in keys)
        {
            var node = map[key];
            if (node is not null && Read(reader, node, $"{path}.{key}", property.PropertyType, keyOf, out var value))
            {
                property.SetValue(target, value);
            }
        }
    }

    private static bool Read(SpecReader reader, ConfigNode node, string path, Type type, Func<string, string> keyOf, out object? value)
    {
        value = null;
        var t = Nullable.GetUnderlyingType(type) ?? type;
        if (t == typeof(string))
        {
            if (node is ScalarNode { Value: not null } s)
            {
                value = s.Value;
                return true;
            }

            reader.Problem(node, path, $"{SpecReader.Describe(node)} is not allowed: must be a string");
            return false;
        }

        if (t == typeof(int) || t == typeof(long) || t == typeof(ulong))
        {
            var (min, max) = t == typeof(int) ? (int.MinValue, int.MaxValue) : t == typeof(long) ? (long.MinValue, long.MaxValue) : (0L, long.MaxValue);
            var v = reader.Integer(node, path, min, max);
            value = v is null ? null : Convert.ChangeType(v.Value, t, System.Globalization.CultureInfo.InvariantCulture);
            return v is not null;
        }

        if (t == typeof(double))
        {
            var v = reader.Double(node, path);
            value = v;
            return v is not null;
        }

        if (t == typeof(bool))
        {
            if (node is ScalarNode { Quoted: false, Value: "true" or "false" } b)
            {
                value = b.Value == "true";
                return true;
            }

            reader.Problem(node, path, $"{SpecReader.Describe(node)} is not allowed: must be true or false");
            return false;
        }

        if (t.IsGenericType && t.GetGenericTypeDefinition() == typeof(List<>))
        {
            var item = t.GetGenericArguments()[0];
            var list = (System.Collections.IList)Activator.CreateInstance(t)!;
            var ok = true;
            foreach (var (n, i) in reader.OneOrMany(node).Select((n, i) => (n, i)))
            {
                if (Read(reader, n, $"{path}[{i}]", item, keyOf, out var v))
                {
                    list.Add(v);
                }
                else
                {
                    ok = false;
                }
            }

            value = list;
            return ok;
        }

        if (t.IsClass && t.GetConstructor(Type.EmptyTypes) is { } ctor)
        {
            if (node is not MapNode m)
            {
                reader.Problem(node, path, $"{SpecReader.Describe(node)} is not allowed: must be a mapping (key: value lines)");
                return false;
            }

            value = ctor.Invoke(null);
            Bind(reader, m, path, value, keyOf);
            return true;
        }

        throw new InvalidOperationException($"SectionFile cannot read a {t.Name} ({path})");
    }
}
