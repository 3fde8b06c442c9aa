using Xunit;

namespace Hnn.Tests.Pipeline;

/// <summary>The pipelines shipped in the repository (pipelines/**/*.yaml) must stay valid.</summary>
[Collection(CliCollection.Name)]
public sealed class RepoPipelinesTests
{
    [Fact]
    public async Task Quickstart_pipeline_validates()
    {
        var path = Path.Combine(RepoRoot.Find(), "pipelines", "quickstart.yaml");
        var r = await CliSandbox.InvokeAsync(["validate", path]);

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("valid (mass-spring, 4 method(s) x 1 width(s)", r.Stdout, StringComparison.Ordinal);
        Assert.Contains("\"chunk_rows\": 1024", r.Stdout, StringComparison.Ordinal); // from the included configs/solver.yaml
        Assert.Equal(string.Empty, r.Stderr);
    }

    [Fact]
    public async Task Every_pipeline_in_the_repository_validates()
    {
        var root = RepoRoot.Find();
        var files = Directory.GetFiles(Path.Combine(root, "pipelines"), "*.*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".yaml", StringComparison.Ordinal) || f.EndsWith(".yml", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToList();
        Assert.NotEmpty(files);

        var failures = new List<string>();
        foreach (var file in files)
        {
            // The HIG control study (pipelines/hig/) and the H-DNN pipelines (pipelines/hdnn/) have their own commands and sections.
            var relative = Path.GetRelativePath(root, file).Replace('\\', '/');
            var hig = relative.StartsWith("pipelines/hig/", StringComparison.Ordinal);
            var hdnn = relative.StartsWith("pipelines/hdnn/", StringComparison.Ordinal);
            var r = await CliSandbox.InvokeAsync(hig ? ["hig", "--validate", file] : hdnn ? ["hdnn", file, "--validate"] : ["validate", file]);
            if (r.ExitCode != 0)
            {
                failures.Add($"{Path.GetRelativePath(root, file)}: {r}");
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count} of {files.Count} pipeline(s) invalid:\n{string.Join("\n", failures)}");
    }
}
