namespace Hnn.Pipeline.Config;

/// <summary>
/// The <c>sweep:</c> section: a list of values for any scalar config key (<c>model.rcond: [1e-10, 1e-13]</c>,
/// <c>system.params.f: [1, 2]</c>, <c>data.train: [...]</c>, ...); the pipeline runs once per combination (the cartesian
/// product, first key slowest), each a run of its own. Every combination is validated as a whole pipeline before
/// anything runs. Stages whose inputs a swept key does not reach have the same cache key in every variant, so they
/// are computed once and loaded by the others.
/// </summary>
public static partial class PipelineLoader
{
    /// <summary>Most combinations one sweep may have.</summary>
    public const int MaxSweepVariants = 256;

    /// <summary>One variant of a sweep: the key=value settings that make it, and its validated pipeline.</summary>
    public sealed record Variant(IReadOnlyList<string> Settings, PipelineSpec Spec);

    /// <summary>The variants of the pipeline at <paramref name="path"/>: one (with no settings) when it has no sweep.</summary>
    public static IReadOnlyList<Variant> LoadSweep(string path, IReadOnlyList<string>? overrides = null)
    {
        var root = LoadTree(path, overrides);
        if (root is not MapNode map || map["sweep"] is not { } sweepNode)
        {
            return [new Variant([], Bind(root, path))];
        }

        var axes = SweepAxes(path, sweepNode);
        var baseTree = new MapNode(map.Source, map.Entries.Where(e => e.Key != "sweep").ToList());
        var variants = new List<Variant>();
        foreach (var combination in Cartesian(axes))
        {
            ConfigNode tree = baseTree;
            foreach (var (key, value) in combination)
            {
                tree = ConfigNode.SetPath(tree, key, value);
            }

            var settings = combination.Select(c => $"{c.Key}={((ScalarNode)c.Value).Value}").ToList();
            try
            {
                variants.Add(new Variant(settings, Bind(tree, path)));
            }
            catch (InputException e)
            {
                throw new InputException($"sweep variant {string.Join(", ", settings)}: {e.Message}");
            }
        }

        return variants;
    }

    private static List<(string Key, List<ConfigNode> Values)> SweepAxes(string path, ConfigNode sweepNode)
    {
        if (sweepNode is not MapNode sweep || sweep.Entries.Count == 0)
        {
            throw new InputException($"{path}: sweep: must map config keys to lists of values, e.g. sweep: {{model.rcond: [1e-10, 1e-13]}}");
        }

        var axes = new List<(string, List<ConfigNode>)>();
        double variants = 1;
        foreach (var (key, node) in sweep.Entries)
        {
            if (key.StartsWith("sweep", StringComparison.Ordinal) || key.StartsWith("include", StringComparison.Ordinal) || key == "name")
            {
                throw new InputException($"{path}: sweep.{Shown.Cut(key)}: this key cannot be swept (allowed: any scalar key of system, domain, data, anchor, model, adam, hig, rollout, solver, run)");
            }

            if (node is not ListNode list || list.Items.Count == 0 || list.Items.Any(i => i is not ScalarNode { Value: not null }))
            {
                throw new InputException($"{path}: sweep.{Shown.Cut(key)}: must be a non-empty list of scalar values, e.g. [1e-10, 1e-13]");
            }

            for (var i = 1; i < list.Items.Count; i++)
            {
                var text = ((ScalarNode)list.Items[i]).Value!;
                var first = list.Items.Take(i).Select((n, j) => (Text: ((ScalarNode)n).Value!, j)).FirstOrDefault(x => SameSweepValue(x.Text, text), (Text: string.Empty, j: -1)).j;
                if (first >= 0)
                {
                    var count = list.Items.Count(n => SameSweepValue(((ScalarNode)n).Value!, text));
                    throw new InputException($"{path}: sweep.{Shown.Cut(key)}[{i}]: {Shown.Cut(text)} appears {Repeats.Times(count)} (each value once; first at sweep.{Shown.Cut(key)}[{first}])");
                }
            }

            variants *= list.Items.Count;
            axes.Add((key, list.Items.ToList()));
        }

        if (variants > MaxSweepVariants)
        {
            throw new InputException($"{path}: sweep: {variants:G} combinations; at most {MaxSweepVariants} are allowed (split the sweep into several pipelines)");
        }

        return axes;
    }

    /// <summary>Two sweep values that give the same variant: the same number (1e-3 and 0.001), or the same text.</summary>
    private static bool SameSweepValue(string a, string b) =>
        double.TryParse(a, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var x)
        && double.TryParse(b, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var y)
            ? x.Equals(y)
            : string.Equals(a.Trim(), b.Trim(), StringComparison.Ordinal);

    private static IEnumerable<List<(string Key, ConfigNode Value)>> Cartesian(List<(string Key, List<ConfigNode> Values)> axes)
    {
        IEnumerable<List<(string, ConfigNode)>> acc = [[]];
        foreach (var (key, values) in axes)
        {
            acc = acc.SelectMany(prefix => values.Select(v => new List<(string, ConfigNode)>(prefix) { (key, v) }));
        }

        return acc;
    }
}
