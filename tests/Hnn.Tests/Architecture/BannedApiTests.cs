using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using Hnn.Datasets;
using Hnn.Stages.Model;
using Xunit;

namespace Hnn.Tests.Architecture;

/// <summary>
/// No clock, environment, console, unseeded randomness or file IO inside src/Stages or src/Datasets. The build enforces
/// it (Microsoft.CodeAnalysis.BannedApiAnalyzers over src/BannedSymbols.txt, RS0030 an error); these tests check that
/// the analyzer is wired into both projects and, independently of it, that the built assemblies reference none of
/// the banned types and members (read from their metadata).
/// </summary>
public sealed class BannedApiTests
{
    /// <summary>What must stay banned (a subset of src/BannedSymbols.txt; the file may ban more).</summary>
    private static readonly string[] Required =
    [
        "T:System.Diagnostics.Stopwatch",
        "P:System.DateTime.Now",
        "P:System.DateTime.UtcNow",
        "P:System.DateTimeOffset.Now",
        "P:System.DateTimeOffset.UtcNow",
        "M:System.Environment.GetEnvironmentVariable(System.String)",
        "M:System.Random.#ctor",
        "P:System.Random.Shared",
        "T:System.Console",
        "T:System.IO.File",
        "T:System.IO.Directory",
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

    private static string[] BannedIds() =>
        [.. File.ReadAllLines(Path.Combine(RepositoryRoot(), "src", "BannedSymbols.txt"))
            .Select(l => l.Split(';')[0].Trim())
            .Where(l => l.Length > 0 && !l.StartsWith("//", StringComparison.Ordinal))];

    [Theory]
    [InlineData("src/Stages/Hnn.Stages.csproj")]
    [InlineData("src/Datasets/Hnn.Datasets.csproj")]
    public void The_analyzer_and_the_banned_list_are_wired_into_the_pure_projects(string project)
    {
        var text = File.ReadAllText(Path.Combine(RepositoryRoot(), project));
        Assert.Contains("<PackageReference Include=\"Microsoft.CodeAnalysis.BannedApiAnalyzers\"", text, StringComparison.Ordinal);
        Assert.Contains("<AdditionalFiles Include=\"../BannedSymbols.txt\" />", text, StringComparison.Ordinal);
        var ids = BannedIds();
        Assert.All(Required, r => Assert.Contains(r, ids));
    }

    public static TheoryData<string> PureAssemblies => ["Hnn.Stages", "Hnn.Datasets"];

    /// <summary>
    /// Banned types and members the assembly's metadata refers to ("System.IO.File", "System.DateTime.get_UtcNow", ...).
    /// Members match by name, not signature (stricter than the analyzer: any Random constructor counts, and pure code
    /// draws from Hnn.Datasets.Rng anyway).
    /// </summary>
    internal static List<string> Offenders(string assemblyPath, IReadOnlyCollection<string> bannedIds)
    {
        var types = bannedIds.Where(i => i.StartsWith("T:", StringComparison.Ordinal)).Select(i => i[2..]).ToHashSet(StringComparer.Ordinal);
        var members = bannedIds.Where(i => i[0] is 'M' or 'P').Select(i =>
        {
            var name = i[2..].Split('(')[0];
            var dot = name.LastIndexOf('.');
            var (type, member) = (name[..dot], name[(dot + 1)..]);
            return i[0] == 'P' ? $"{type}.get_{member}" : $"{type}.{(member == "#ctor" ? ".ctor" : member)}";
        }).ToHashSet(StringComparer.Ordinal);

        using var stream = File.OpenRead(assemblyPath);
        using var pe = new PEReader(stream);
        var md = pe.GetMetadataReader();
        string TypeName(TypeReferenceHandle h)
        {
            var t = md.GetTypeReference(h);
            return $"{md.GetString(t.Namespace)}.{md.GetString(t.Name)}";
        }

        var found = new List<string>();
        found.AddRange(md.TypeReferences.Select(TypeName).Where(types.Contains));
        foreach (var handle in md.MemberReferences)
        {
            var m = md.GetMemberReference(handle);
            if (m.Parent.Kind == HandleKind.TypeReference && members.Contains($"{TypeName((TypeReferenceHandle)m.Parent)}.{md.GetString(m.Name)}"))
            {
                found.Add($"{TypeName((TypeReferenceHandle)m.Parent)}.{md.GetString(m.Name)}");
            }
        }

        return found;
    }

    [Theory]
    [MemberData(nameof(PureAssemblies))]
    public void The_built_assembly_references_no_banned_api(string name)
    {
        var assembly = name == "Hnn.Stages" ? typeof(HiddenLayer).Assembly : typeof(Rng).Assembly;
        var offenders = Offenders(assembly.Location, BannedIds());
        Assert.True(offenders.Count == 0, $"{name} references banned APIs: {string.Join(", ", offenders.Distinct())}");
    }

    [Fact]
    public void The_metadata_check_finds_a_banned_reference()
    {
        // Guard against a vacuous check: the test assembly itself uses File, Directory and the unseeded Random.
        var offenders = Offenders(typeof(BannedApiTests).Assembly.Location, BannedIds());
        Assert.Contains("System.IO.File", offenders);
        Assert.Contains("System.IO.Directory", offenders);
    }
}
