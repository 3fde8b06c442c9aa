using System.Reflection;
using Hnn.Datasets;
using Hnn.Stages.Model;
using Xunit;

namespace Hnn.Tests.Architecture;

/// <summary>
/// docs/ARCHITECTURE.md (rules): stages are pure; Parquet, logging and Dataflow live in src/Pipeline only.
/// </summary>
public sealed class DependencyTests
{
    private static readonly string[] Forbidden = ["Parquet", "Serilog", "System.Threading.Tasks.Dataflow"];

    public static TheoryData<string> PureAssemblies => ["Hnn.Stages", "Hnn.Datasets"];

    private static Assembly Load(string name) => name switch
    {
        "Hnn.Stages" => typeof(HiddenLayer).Assembly,
        "Hnn.Datasets" => typeof(Rng).Assembly,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
    };

    private static bool IsForbidden(AssemblyName reference) =>
        Forbidden.Any(f => reference.Name is { } n && (n.Equals(f, StringComparison.OrdinalIgnoreCase) || n.StartsWith(f + ".", StringComparison.OrdinalIgnoreCase)));

    [Theory]
    [MemberData(nameof(PureAssemblies))]
    public void References_neither_Parquet_nor_Serilog_nor_Dataflow(string name)
    {
        var assembly = Load(name);
        Assert.Equal(name, assembly.GetName().Name);

        // Direct references, and those of our own assemblies it references (Hnn.Stages -> Hnn.Datasets -> ...).
        var offenders = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var queue = new Queue<Assembly>([assembly]);
        while (queue.Count > 0)
        {
            var current = queue.Dequeue();
            foreach (var reference in current.GetReferencedAssemblies())
            {
                if (IsForbidden(reference))
                {
                    offenders.Add($"{current.GetName().Name} -> {reference.FullName}");
                }

                if (reference.Name is { } n && n.StartsWith("Hnn.", StringComparison.Ordinal) && seen.Add(n))
                {
                    queue.Enqueue(Assembly.Load(reference));
                }
            }
        }

        Assert.True(offenders.Count == 0, "forbidden references: " + string.Join("; ", offenders));
    }

    [Fact]
    public void Datasets_does_not_reference_the_stages_or_the_pipeline()
    {
        var names = typeof(Rng).Assembly.GetReferencedAssemblies().Select(a => a.Name).ToArray();
        Assert.DoesNotContain("Hnn.Stages", names);
        Assert.DoesNotContain("hnn", names);
        Assert.DoesNotContain("Hnn.Pipeline", names);
    }

    [Fact]
    public void The_check_would_see_a_forbidden_reference()
    {
        // Guard against a vacuous test: the pipeline assembly does reference Parquet and Serilog.
        var pipeline = typeof(Hnn.Pipeline.Store.ArtifactStore).Assembly;
        Assert.Contains(pipeline.GetReferencedAssemblies(), IsForbidden);
    }
}
