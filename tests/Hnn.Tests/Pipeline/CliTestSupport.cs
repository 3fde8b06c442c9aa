using System.Text.Json;
using Hnn.Pipeline;
using Hnn.Pipeline.Store;
using Xunit;

namespace Hnn.Tests.Pipeline;

/// <summary>
/// The CLI tests run one after another: each runs real pipelines (BLAS-heavy, 2-core machines), one of them is
/// timing-sensitive (interrupt), and one changes the process-wide OpenBLAS thread count for a moment.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class CliCollection
{
    public const string Name = "hnn CLI";
}

/// <summary>What one <c>hnn</c> invocation printed and returned.</summary>
internal sealed record CliResult(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout ---\n{Stdout}\n--- stderr ---\n{Stderr}";
}

/// <summary>
/// A fresh temp directory for one test (pipeline YAML files and the store <c>&lt;dir&gt;/store</c>), removed on dispose,
/// with helpers to invoke the CLI in-process and read what a run left in the store.
/// </summary>
internal sealed class CliSandbox : IDisposable
{
    /// <summary>Mass-spring on [-5, 5]^2, all four methods, small enough to run in about a second.</summary>
    public const string SmallPipeline = """
        name: small
        system:
          name: mass-spring
        domain:
          q: [[-5, 5]]
          p: [[-5, 5]]
        data:
          train: 600
          test: 200
          seed: 3943
        anchor:
          x0: [1, 0]
          h0: 0
        model:
          methods: [elm, u-swim, a-swim, swim]
          widths: [100]
          seeds: [992472]
          rcond: 1.0e-13
        solver:
          backend: auto
          mode: structured
        run:
          parallelism: 1
        """;

    public CliSandbox()
    {
        Root = Path.Combine(Path.GetTempPath(), "hnn-cli-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Root);
    }

    public string Root { get; }

    public string StoreRoot => Path.Combine(Root, "store");

    public string RunsDirectory => Path.Combine(StoreRoot, "runs");

    public string ArtifactsDirectory => Path.Combine(StoreRoot, "artifacts");

    public ArtifactStore Store(Action<string>? onWarning = null) => new(StoreRoot, onWarning);

    /// <summary>Writes a pipeline file into the sandbox and returns its full path.</summary>
    public string Write(string name, string yaml)
    {
        var path = Path.Combine(Root, name);
        File.WriteAllText(path, yaml);
        return path;
    }

    /// <summary>Runs <c>hnn</c> in-process with the given arguments.</summary>
    public static async Task<CliResult> InvokeAsync(string[] args, CancellationToken ct = default)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = await HnnCli.InvokeAsync(args, stdout, stderr, ct);
        return new CliResult(code, stdout.ToString(), stderr.ToString());
    }

    /// <summary><c>hnn run &lt;pipeline&gt; --store &lt;sandbox&gt;/store [--set ...]</c>.</summary>
    public Task<CliResult> RunAsync(string pipeline, params string[] sets) => RunAsync(pipeline, CancellationToken.None, sets);

    public Task<CliResult> RunAsync(string pipeline, CancellationToken ct, params string[] sets)
    {
        var args = new List<string> { "run", pipeline, "--store", StoreRoot };
        foreach (var s in sets)
        {
            args.Add("--set");
            args.Add(s);
        }

        return InvokeAsync([.. args], ct);
    }

    /// <summary>Run directories, oldest first (ids start with a timestamp; ties broken by creation time).</summary>
    public IReadOnlyList<string> RunDirectories() => Directory.Exists(RunsDirectory)
        ? Directory.GetDirectories(RunsDirectory).OrderBy(Directory.GetCreationTimeUtc).ThenBy(d => d, StringComparer.Ordinal).ToList()
        : [];

    /// <summary>The run directory named in the last line of a successful run's stdout ("run &lt;id&gt;: &lt;dir&gt;").</summary>
    public static string RunDirectoryOf(CliResult result)
    {
        var line = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Last(l => l.StartsWith("run ", StringComparison.Ordinal));
        var dir = line[(line.IndexOf(": ", StringComparison.Ordinal) + 2)..];
        Assert.True(Directory.Exists(dir), $"run directory '{dir}' does not exist\n{result}");
        return dir;
    }

    public static JsonElement ReadJson(string path) => JsonSerializer.Deserialize<JsonElement>(File.ReadAllText(path));

    /// <summary>The manifest's "stages" records: (stage, key, cached).</summary>
    public static List<(string Stage, string Key, bool Cached)> Stages(string runDir) =>
        ReadJson(Path.Combine(runDir, "manifest.json")).GetProperty("stages").EnumerateArray()
            .Select(s => (s.GetProperty("stage").GetString()!, s.GetProperty("key").GetString()!, s.GetProperty("cached").GetBoolean()))
            .ToList();

    /// <summary>results.json as method -> (train, test error objects as raw JSON, rank, keys).</summary>
    public static Dictionary<string, JsonElement> Results(string runDir) =>
        ReadJson(Path.Combine(runDir, "results.json")).EnumerateArray()
            .ToDictionary(r => $"{r.GetProperty("method").GetString()} w{r.GetProperty("width").GetInt32()} d{r.GetProperty("data_seed").GetUInt64()} m{r.GetProperty("model_seed").GetUInt64()}", r => r);

    /// <summary>The numbers a rerun must reproduce bit for bit: errors and rank (not timings or cache flags).</summary>
    public static Dictionary<string, (double[] Errors, int Rank)> Numbers(string runDir) =>
        Results(runDir).ToDictionary(
            kv => kv.Key,
            kv => (new[] { "train", "test" }
                .SelectMany(part => new[] { "h", "grad_h", "dx" }.Select(m => kv.Value.GetProperty(part).GetProperty(m).GetDouble()))
                .ToArray(), kv.Value.GetProperty("rank").GetInt32()));

    public static void AssertSameNumbers(Dictionary<string, (double[] Errors, int Rank)> expected, Dictionary<string, (double[] Errors, int Rank)> actual)
    {
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), actual.Keys.Order(StringComparer.Ordinal));
        foreach (var (k, (errors, rank)) in expected)
        {
            Assert.Equal(rank, actual[k].Rank);
            Assert.Equal(errors.Select(BitConverter.DoubleToInt64Bits), actual[k].Errors.Select(BitConverter.DoubleToInt64Bits));
        }
    }

    /// <summary>Leftover temporary files (<c>*.tmp*</c>) anywhere under the store.</summary>
    public string[] TempFiles() => Directory.Exists(StoreRoot)
        ? Directory.GetFiles(StoreRoot, "*", SearchOption.AllDirectories).Where(f => Path.GetFileName(f).Contains(".tmp", StringComparison.Ordinal)).ToArray()
        : [];

    /// <summary>Artifact files (<c>*.parquet</c>) of a stage, ordinal order.</summary>
    public string[] ArtifactFiles(string stage)
    {
        var dir = Path.Combine(ArtifactsDirectory, stage);
        return Directory.Exists(dir) ? Directory.GetFiles(dir, "*.parquet").Order(StringComparer.Ordinal).ToArray() : [];
    }

    public void Dispose()
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                if (Directory.Exists(Root))
                {
                    Directory.Delete(Root, recursive: true);
                }

                return;
            }
            catch (IOException) when (attempt < 5)
            {
                Thread.Sleep(100);
            }
        }
    }
}

/// <summary>The repository root: the folder above the test binaries that holds Hnn.Pipeline.sln.</summary>
internal static class RepoRoot
{
    public static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Hnn.Pipeline.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"Hnn.Pipeline.sln not found above {AppContext.BaseDirectory}");
    }
}

/// <summary>Assertions shared by the CLI tests.</summary>
internal static class CliAssert
{
    /// <summary>Exit code 2, exactly one "error: ..." line on stderr containing every expected text, no stack trace.</summary>
    public static void BadInput(CliResult r, string[] expected)
    {
        Assert.True(r.ExitCode == Hnn.Pipeline.Cli.Commands.BadInput, r.ToString());
        Assert.DoesNotContain("   at ", r.Stderr, StringComparison.Ordinal);
        var lines = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var line = Assert.Single(lines);
        Assert.StartsWith("error: ", line, StringComparison.Ordinal);
        foreach (var e in expected)
        {
            Assert.True(line.Contains(e, StringComparison.OrdinalIgnoreCase), $"'{e}' not in: {line}");
        }
    }
}
