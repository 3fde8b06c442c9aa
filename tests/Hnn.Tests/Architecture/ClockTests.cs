using Hnn.Tests.Pipeline;
using Xunit;

namespace Hnn.Tests.Architecture;

/// <summary>The pipeline reads the time only through an injected <see cref="TimeProvider"/> (docs/ARCHITECTURE.md, rules).</summary>
public sealed class ClockTests
{
    private static readonly string[] Clocks = ["DateTime.Now", "DateTime.UtcNow", "DateTimeOffset.Now", "DateTimeOffset.UtcNow"];

    [Fact]
    public void Src_pipeline_reads_no_clock_directly()
    {
        var root = RepoRoot.Find();
        var dir = Path.Combine(root, "src", "Pipeline");
        var files = Directory.EnumerateFiles(dir, "*.cs", SearchOption.AllDirectories)
            .Where(f => !Path.GetRelativePath(dir, f).Replace('\\', '/').StartsWith("bin/", StringComparison.Ordinal)
                && !Path.GetRelativePath(dir, f).Replace('\\', '/').StartsWith("obj/", StringComparison.Ordinal))
            .ToList();
        Assert.NotEmpty(files);
        var offenders = files.SelectMany(f => File.ReadAllLines(f).Select((line, i) => (f, line, i)))
            .Where(x => Clocks.Any(c => x.line.Contains(c, StringComparison.Ordinal)))
            .Select(x => $"{Path.GetRelativePath(root, x.f)}:{x.i + 1}")
            .ToList();
        Assert.True(offenders.Count == 0, "direct clock reads (use TimeProvider):\n" + string.Join("\n", offenders));
    }
}
