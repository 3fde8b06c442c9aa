using System.Text.RegularExpressions;
using Xunit;

namespace Hnn.Tests.Pipeline;

/// <summary>
/// Every command that reads a pipeline or spec file, given a file that is not one: a password file, a directory, a
/// missing, empty or binary file, YAML of the wrong kind. Each is one "error:" line naming the file and what is wrong,
/// exit 2, with no .NET exception or type name (the audit of 2026-12-04 found <c>hnn hig /etc/passwd</c> printing
/// "Exception during deserialization" and <c>hnn hdnn /etc/passwd</c> "Invalid cast from 'System.String' to
/// 'Hnn.Pipeline.Cli.HdnnPipelineSpec+HdnnFile'": YamlDotNet's deserializer's messages; both readers now read the file
/// as a pipeline file is read and bind the section key by key, Config/SectionFile.cs).
/// </summary>
[Collection(CliCollection.Name)]
public sealed partial class SpecFileInputTests
{
    private static readonly string[][] Commands =
    [
        ["run", "{file}", "--store", "{store}", "--no-report"],
        ["validate", "{file}"],
        ["plan", "{file}", "--store", "{store}"],
        ["bench", "{file}", "--no-reference", "--repeat", "1"],
        ["hig", "{file}"],
        ["hig", "{file}", "--validate"],
        ["hig", "{file}", "--hnn"],
        ["hdnn", "{file}", "--store", "{store}"],
        ["hdnn", "{file}", "--validate"],
    ];

    public static TheoryData<string> Files => new() { "/etc/passwd", "{dir}", "{missing}", "{empty}", "/bin/ls", "{list}", "{other}" };

    [Theory]
    [MemberData(nameof(Files))]
    public async Task A_file_that_is_not_a_spec_is_one_line_naming_it_for_every_command(string file)
    {
        using var box = new CliSandbox();
        Directory.CreateDirectory(Path.Combine(box.Root, "adir"));
        var path = file switch
        {
            "{dir}" => Path.Combine(box.Root, "adir"),
            "{missing}" => Path.Combine(box.Root, "missing.yaml"),
            "{empty}" => box.Write("empty.yaml", string.Empty),
            "{list}" => box.Write("list.yaml", "- 1\n- 2\n"),
            "{other}" => box.Write("other.yaml", "a: 1\nb: [1, 2]\n"),
            _ => file,
        };
        foreach (var command in Commands)
        {
            string[] args = [.. command.Select(a => a.Replace("{file}", path, StringComparison.Ordinal).Replace("{store}", box.StoreRoot, StringComparison.Ordinal))];
            var r = await CliSandbox.InvokeAsync(args).WaitAsync(TimeSpan.FromSeconds(60));
            CliAssert.BadInput(r, [path]);
            var line = r.Stderr.Trim();
            Assert.False(TypeName().IsMatch(line), $"{string.Join(' ', command)}: a .NET type name in: {line}");
            Assert.DoesNotContain("deserializ", line, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("Invalid cast", line, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("root:", line, StringComparison.Ordinal); // nothing of /etc/passwd is quoted
        }
    }

    /// <summary>
    /// The messages of the hig and hdnn readers, exactly ({file} is the file's path). An unknown key names the line of its
    /// value, as in a run pipeline (a mapping value starts on the line below its key).
    /// </summary>
    public static TheoryData<string, string, string> SectionCases => new()
    {
        { "hig", "", "{file}: the file is empty (no keys); 'hnn hig' reads a file with a top-level hig: section (e.g. pipelines/hig/coupled-oscillators.yaml)" },
        { "hdnn", "# only a comment\n", "{file}: the file is empty (no keys); 'hnn hdnn' reads a file with a top-level hdnn: section (e.g. pipelines/hdnn/swiss-roll.yaml)" },
        { "hig", "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n", "{file}: is plain text (one YAML scalar), not key: value lines; 'hnn hig' reads a file with a top-level hig: section (e.g. pipelines/hig/coupled-oscillators.yaml)" },
        { "hdnn", "- H1J1\n", "{file}: is a YAML list, not key: value lines; 'hnn hdnn' reads a file with a top-level hdnn: section (e.g. pipelines/hdnn/swiss-roll.yaml)" },
        { "hig", "hdnn:\n  points: 8\n", "2 problems: {file}:2: hdnn: unknown key; allowed keys: hig; {file}: hig: is required: 'hnn hig' reads a file with a top-level hig: section (e.g. pipelines/hig/coupled-oscillators.yaml)" },
        { "hdnn", "hig:\n  steps: 8\n", "2 problems: {file}:2: hig: unknown key; allowed keys: hdnn; {file}: hdnn: is required: 'hnn hdnn' reads a file with a top-level hdnn: section (e.g. pipelines/hdnn/swiss-roll.yaml)" },
        { "hig", "hig: 3\n", "{file}:1: hig: '3' is not allowed: must be a mapping (key: value lines)" },
        { "hdnn", "hdnn: [1]\n", "{file}:1: hdnn: a list is not allowed: must be a mapping (key: value lines)" },
        { "hig", "hig:\n  oscillators: abc\n", "{file}:2: hig.oscillators: 'abc' is not a number" },
        { "hig", "hig:\n  oscilators: 2\n", "{file}:2: hig.oscilators: unknown key; did you mean 'hig.oscillators'?" },
        { "hig", "hig:\n  seeds: [1, x]\n", "{file}:2: hig.seeds[1]: 'x' is not a number" },
        { "hig", "hig:\n  optimisers:\n    - method: adam\n      btch: 3\n", "{file}:4: hig.optimisers[0].btch: unknown key; did you mean 'hig.optimisers[0].batch'?" },
        { "hig", "hig:\n  optimisers: [3]\n", "{file}:2: hig.optimisers[0]: '3' is not allowed: must be a mapping (key: value lines)" },
        { "hig", "hig:\n  output: [a]\n", "{file}:2: hig.output: a list is not allowed: must be a string" },
        { "hdnn", "hdnn:\n  points: abc\n  layers: 2.5\n", "2 problems: {file}:2: hdnn.points: 'abc' is not a number; {file}:3: hdnn.layers: '2.5' is not allowed: must be an integer in [-2147483648, 2147483647]" },
        { "hdnn", "hdnn:\n  pointz: 8\n", "{file}:2: hdnn.pointz: unknown key; did you mean 'hdnn.points'?" },
        { "hdnn", "hdnn:\n  seeds: [-1]\n", "{file}:2: hdnn.seeds[0]: '-1' is not allowed: must be an integer in [0, 9223372036854775807]" },
    };

    [Theory]
    [MemberData(nameof(SectionCases))]
    public async Task The_hig_and_hdnn_readers_name_the_file_line_and_key(string command, string text, string expected)
    {
        using var box = new CliSandbox();
        var file = box.Write("spec.yaml", text);
        var r = await CliSandbox.InvokeAsync([command, file, "--validate"]);
        CliAssert.BadInput(r, [file]);
        Assert.Equal("error: " + expected.Replace("{file}", file, StringComparison.Ordinal), r.Stderr.Trim());
    }

    [Fact]
    public async Task A_hig_section_is_bound_key_by_key_with_its_defaults()
    {
        using var box = new CliSandbox();
        var file = box.Write("study.yaml", "hig:\n  seeds: 5\n  budgetSeconds: 2\n  optimisers:\n    - method: sip\n      lr: 0.5\n      evaluateEvery: 3\n");
        var spec = Hnn.Pipeline.Cli.HigStudySpec.Load(file);
        Assert.Equal([5UL], spec.Seeds); // one value stands for a list of one, as in a run pipeline
        Assert.Equal(2, spec.BudgetSeconds);
        Assert.Equal(24, spec.Steps); // the study's default
        var o = Assert.Single(spec.Optimisers);
        Assert.Equal(("sip", 0.5, 3, (int?)null), (o.Method, o.Lr!.Value, o.EvaluateEvery, o.Batch));
    }

    /// <summary>A .NET exception or namespace-qualified type name (YamlException, InvalidCastException, System.String, Hnn.Pipeline.Cli.X).</summary>
    [GeneratedRegex(@"\w*Exception\b|\bSystem\.[A-Z]|\bHnn\.[A-Z]\w*\.|YamlDotNet")]
    private static partial Regex TypeName();
}
