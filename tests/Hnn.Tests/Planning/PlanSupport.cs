using Hnn.Pipeline.Config;
using Hnn.Pipeline.Planning;

namespace Hnn.Tests.Planning;

/// <summary>Pipelines written to a temp folder, loaded and planned (no store, no run).</summary>
internal sealed class PlanSandbox : IDisposable
{
    public PlanSandbox()
    {
        Root = Path.Combine(Path.GetTempPath(), "hnn-plan-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Root);
    }

    public string Root { get; }

    public string Write(string name, string text)
    {
        var path = Path.Combine(Root, name);
        File.WriteAllText(path, text);
        return path;
    }

    public PipelineSpec Load(string yaml, params string[] overrides) => PipelineLoader.Load(Write($"p{Guid.NewGuid():N}.yaml", yaml), overrides);

    /// <summary>The plan with the LAPACK backend's fit keys (as the runs whose keys the tests pin).</summary>
    public RunPlan Plan(string yaml, params string[] overrides)
    {
        var spec = Load(yaml, overrides);
        return RunPlan.Build(spec, PlanFacts.Gather(spec, nativeBackend: true));
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
