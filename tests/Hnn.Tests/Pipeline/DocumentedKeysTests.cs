using System.Reflection;
using System.Text.RegularExpressions;
using Hnn.Pipeline.Cli;
using Hnn.Pipeline.Config;
using Xunit;

namespace Hnn.Tests.Pipeline;

/// <summary>
/// Docs truth: every config key a reader accepts appears in README.md or docs/SCHEMA.md. The keys are the readers'
/// own known-key lists (the <c>string[] ...Keys</c> fields each section binder passes to <c>CheckKeys</c>, found by
/// reflection so that a new list is noticed), the few lists written inline in TrajectoriesSection.cs, the H-DNN
/// section's <see cref="HdnnPipelineSpec.Keys"/> and the HIG control study's YAML properties. A key <c>s.k</c>
/// counts as documented when the docs name it with its path (<c>model.weight_scale</c>), or when <c>k:</c> is
/// written (as YAML or in its comment) inside the block of its top-level section <c>s</c> of one of README's YAML
/// examples; a HIG study key when README names it in backquotes.
/// </summary>
public sealed partial class DocumentedKeysTests
{
    /// <summary>Each known-key list of the pipeline readers and the key path it belongs to ("" for the top level).</summary>
    private static readonly Dictionary<(Type Type, string Field), string> Lists = new()
    {
        [(typeof(PipelineLoader), "TopKeys")] = "",
        [(typeof(AdamSection), "Keys")] = "adam",
        [(typeof(AnchorSection), "Keys")] = "anchor",
        [(typeof(DataSection), "Keys")] = "data",
        [(typeof(DomainSection), "Keys")] = "domain",
        [(typeof(HigSection), "Keys")] = "hig",
        [(typeof(ModelSection), "Keys")] = "model",
        [(typeof(ModelSection), "WeightScalePartKeys")] = "model.weight_scale",
        [(typeof(ModelSection), "ASwimFirstKeys")] = "model.a_swim_first",
        [(typeof(RolloutSection), "Keys")] = "rollout",
        [(typeof(RunSection), "Keys")] = "run",
        [(typeof(SolverSection), "Keys")] = "solver",
        [(typeof(SystemSection), "Keys")] = "system",
        [(typeof(TrajectoriesSection), "Keys")] = "data.trajectories",
        [(typeof(TrajectoriesSection), "NoiseKeys")] = "data.trajectories.noise",
    };

    /// <summary>The lists TrajectoriesSection.ReadRegularisation writes inline (CheckKeys(inner, ..., ["lambda"]) etc.).</summary>
    private static readonly (string Section, string[] Keys)[] InlineLists =
    [
        ("model.regularisation", ["rcond", "ridge", "auto"]),
        ("model.regularisation.ridge", ["lambda"]),
        ("model.regularisation.auto", ["kind", "criterion"]),
    ];

    private static IEnumerable<(string Section, string Key)> ReaderKeys()
    {
        foreach (var ((type, field), section) in Lists)
        {
            var keys = (IEnumerable<string>)type.GetField(field, BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic)!.GetValue(null)!;
            foreach (var k in keys)
            {
                yield return (section, k);
            }
        }

        foreach (var (section, keys) in InlineLists)
        {
            foreach (var k in keys)
            {
                yield return (section, k);
            }
        }

        foreach (var k in HdnnPipelineSpec.Keys)
        {
            yield return ("hdnn", k);
        }
    }

    [Fact]
    public void Every_known_key_list_of_the_config_readers_is_checked_here()
    {
        // A binder with a new known-key list (a string[] static field named *Keys) must be added to Lists above.
        var found = typeof(PipelineLoader).Assembly.GetTypes()
            .Where(t => t.Namespace == "Hnn.Pipeline.Config")
            .SelectMany(t => t.GetFields(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic)
                .Where(f => f.FieldType == typeof(string[]) && f.Name.EndsWith("Keys", StringComparison.Ordinal))
                .Select(f => (t, f.Name)))
            .ToHashSet();
        Assert.Equal(found.OrderBy(x => x.ToString()), Lists.Keys.OrderBy(x => x.ToString()));
    }

    [Fact]
    public void Every_key_the_readers_accept_is_in_README_or_SCHEMA()
    {
        var root = RepoRoot.Find();
        var readme = File.ReadAllText(Path.Combine(root, "README.md"));
        var docs = readme + "\n" + File.ReadAllText(Path.Combine(root, "docs", "SCHEMA.md"));
        var blocks = TopLevelBlocks(readme);
        var missing = new List<string>();
        foreach (var (section, key) in ReaderKeys().Distinct())
        {
            var path = section.Length == 0 ? key : $"{section}.{key}";
            var top = section.Length == 0 ? key : section.Split('.')[0];
            var named = Regex.IsMatch(docs, $@"(?<![\w.]){Regex.Escape(path)}(?![\w])");
            var inBlock = section.Length == 0
                ? blocks.ContainsKey(key)
                : blocks.TryGetValue(top, out var text) && Regex.IsMatch(text, $@"(?<![\w.]){Regex.Escape(key)}:");
            if (!named && !inBlock)
            {
                missing.Add(path);
            }
        }

        foreach (var key in HigStudyKeys().Where(k => !readme.Contains($"`{k}`", StringComparison.Ordinal)))
        {
            missing.Add($"hnn hig study: hig.{key}");
        }

        Assert.True(missing.Count == 0, "keys the readers accept but README.md / docs/SCHEMA.md do not document: " + string.Join(", ", missing));
    }

    [Fact]
    public void The_check_finds_an_undocumented_key()
    {
        // The rule above on a README without the rollout block's reference_tol line: the key is then missing.
        var root = RepoRoot.Find();
        var readme = File.ReadAllText(Path.Combine(root, "README.md"));
        var cut = string.Join('\n', readme.Split('\n').Where(l => !l.Contains("reference_tol", StringComparison.Ordinal)));
        Assert.True(TopLevelBlocks(readme).TryGetValue("rollout", out var full) && full.Contains("reference_tol:", StringComparison.Ordinal));
        Assert.False(TopLevelBlocks(cut).TryGetValue("rollout", out var text) && text.Contains("reference_tol:", StringComparison.Ordinal));
    }

    /// <summary>The YAML keys of the HIG control study (<c>hnn hig</c>): its settable properties, camelCase as the deserializer reads them.</summary>
    private static IEnumerable<string> HigStudyKeys() =>
        new[] { typeof(HigStudySpec), typeof(HigOptimiserSpec) }
            .SelectMany(t => t.GetProperties(BindingFlags.Instance | BindingFlags.Public).Where(p => p.CanWrite))
            .Select(p => char.ToLowerInvariant(p.Name[0]) + p.Name[1..]);

    /// <summary>The text (YAML and comments) under each top-level key of README's ```yaml blocks, blocks joined.</summary>
    internal static Dictionary<string, string> TopLevelBlocks(string readme)
    {
        var blocks = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (Match block in YamlBlock().Matches(readme))
        {
            string? current = null;
            foreach (var line in block.Groups[1].Value.Split('\n'))
            {
                var top = TopKey().Match(line);
                if (top.Success)
                {
                    current = top.Groups[1].Value;
                }

                if (current is not null)
                {
                    blocks[current] = (blocks.TryGetValue(current, out var t) ? t : "") + line + "\n";
                }
            }
        }

        return blocks;
    }

    [GeneratedRegex(@"```yaml\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex YamlBlock();

    [GeneratedRegex(@"^([A-Za-z_]\w*):")]
    private static partial Regex TopKey();
}
