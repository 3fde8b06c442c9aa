using Xunit;

namespace Hnn.Tests.Architecture;

/// <summary>
/// STYLE.md principle 6 and docs/ALGORITHM.md §5: no clock, console or unseeded randomness inside src/Stages or
/// src/Datasets. Checking IL is heavy, so the source files are scanned for the banned spellings.
/// </summary>
public sealed class SourceBanTests
{
    private static readonly string[] Banned =
    [
        "DateTime.Now",
        "DateTime.UtcNow",
        "DateTimeOffset.Now",
        "DateTimeOffset.UtcNow",
        "new Random(",
        "new System.Random(",
        "Random.Shared",
        "Console.",
        "Stopwatch",
        "Environment.TickCount",
        "Guid.NewGuid",
    ];

    internal static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Hnn.Pipeline.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"no folder containing Hnn.Pipeline.sln above {AppContext.BaseDirectory}");
    }

    private static IEnumerable<string> SourceFiles(string root, string relative)
    {
        var dir = Path.Combine(root, relative);
        return Directory.EnumerateFiles(dir, "*.cs", SearchOption.AllDirectories)
            .Where(f =>
            {
                var rel = Path.GetRelativePath(dir, f).Replace('\\', '/');
                return !rel.StartsWith("bin/", StringComparison.Ordinal) && !rel.StartsWith("obj/", StringComparison.Ordinal);
            });
    }

    internal static List<string> Offenders(IEnumerable<string> files, string root)
    {
        var offenders = new List<string>();
        foreach (var file in files)
        {
            var lines = File.ReadAllLines(file);
            for (var i = 0; i < lines.Length; i++)
            {
                foreach (var banned in Banned)
                {
                    if (lines[i].Contains(banned, StringComparison.Ordinal))
                    {
                        offenders.Add($"{Path.GetRelativePath(root, file)}:{i + 1}: {banned}");
                    }
                }
            }
        }

        return offenders;
    }

    [Theory]
    [InlineData("src/Stages")]
    [InlineData("src/Datasets")]
    public void No_clock_console_or_unseeded_random(string folder)
    {
        var root = RepositoryRoot();
        var files = SourceFiles(root, folder).ToList();
        Assert.NotEmpty(files); // the scan looks at real files
        var offenders = Offenders(files, root);
        Assert.True(offenders.Count == 0, "banned APIs in pure code:\n" + string.Join("\n", offenders));
    }

    [Fact]
    public void The_scan_finds_a_banned_call()
    {
        // Guard against a vacuous scan: a temporary file with a banned call is reported with its line.
        var root = Path.Combine(Path.GetTempPath(), "hnn-arch-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(root);
        try
        {
            var file = Path.Combine(root, "Bad.cs");
            File.WriteAllLines(file, ["namespace X;", "static class Bad { static object T => System.DateTime.Now; }"]);
            var offenders = Offenders([file], root);
            Assert.Equal(["Bad.cs:2: DateTime.Now"], offenders);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
