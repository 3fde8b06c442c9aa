using System.Reflection;
using System.Runtime.CompilerServices;
using Hnn.Stages.Model;
using Xunit;

namespace Hnn.Tests.Architecture;

/// <summary>
/// docs/ARCHITECTURE.md (rules): stage outputs are immutable records. Public records in Hnn.Stages.Model,
/// Hnn.Stages.Training and Hnn.Stages.Evaluation expose no public setter other than init, and no writable public field.
/// </summary>
public sealed class ImmutabilityTests
{
    private static readonly string[] Namespaces = ["Hnn.Stages.Model", "Hnn.Stages.Training", "Hnn.Stages.Evaluation"];

    // A record (class or struct) has a compiler-generated PrintMembers(StringBuilder) method.
    private static bool IsRecord(Type t) =>
        t.GetMethod("PrintMembers", BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public, [typeof(System.Text.StringBuilder)]) is not null;

    private static bool IsInitOnly(MethodInfo setter) =>
        setter.ReturnParameter.GetRequiredCustomModifiers().Contains(typeof(IsExternalInit));

    private static List<Type> PublicRecords() =>
        typeof(HiddenLayer).Assembly.GetExportedTypes()
            .Where(t => t.Namespace is not null && Namespaces.Contains(t.Namespace) && IsRecord(t))
            .ToList();

    [Fact]
    public void Records_are_found()
    {
        // Guard against a vacuous check: the known stage outputs are seen as records.
        var names = PublicRecords().Select(t => t.Name).ToList();
        Assert.Contains("HiddenLayer", names);
        Assert.Contains("Network", names);
        Assert.Contains("FitResult", names);
        Assert.Contains("ErrorSums", names);
        Assert.Contains("ErrorMetrics", names);
        Assert.DoesNotContain("Evaluator", names);
    }

    [Fact]
    public void Public_records_have_no_public_setters_or_writable_fields()
    {
        var offenders = new List<string>();
        foreach (var type in PublicRecords())
        {
            foreach (var property in type.GetProperties(BindingFlags.Instance | BindingFlags.Static | BindingFlags.Public | BindingFlags.DeclaredOnly))
            {
                var setter = property.GetSetMethod(nonPublic: false);
                if (setter is not null && !IsInitOnly(setter))
                {
                    offenders.Add($"{type.FullName}.{property.Name} has a public setter");
                }
            }

            foreach (var field in type.GetFields(BindingFlags.Instance | BindingFlags.Static | BindingFlags.Public | BindingFlags.DeclaredOnly))
            {
                if (!field.IsInitOnly && !field.IsLiteral)
                {
                    offenders.Add($"{type.FullName}.{field.Name} is a writable public field");
                }
            }
        }

        Assert.True(offenders.Count == 0, string.Join("\n", offenders));
    }

    [Fact]
    public void The_setter_check_tells_init_from_set()
    {
        // Guard: the init/set distinction works on known examples.
        Assert.True(IsInitOnly(typeof(InitOnlyExample).GetProperty(nameof(InitOnlyExample.Value))!.SetMethod!));
        Assert.False(IsInitOnly(typeof(MutableExample).GetProperty(nameof(MutableExample.Value))!.SetMethod!));
        Assert.True(IsRecord(typeof(InitOnlyExample)));
        Assert.False(IsRecord(typeof(MutableExample)));
    }

    private sealed record InitOnlyExample(int Value);

    private sealed class MutableExample
    {
        public int Value { get; set; }
    }
}
