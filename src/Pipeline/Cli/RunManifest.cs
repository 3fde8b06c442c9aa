using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using Hnn.Pipeline.Config;
using Hnn.Pipeline.Execution;

namespace Hnn.Pipeline.Cli;

/// <summary>What a run did: config, keys, timings, versions, backend. Written as runs/&lt;id&gt;/manifest.json.</summary>
/// <remarks><c>blas_kernel</c> (<see cref="BlasKernel"/>): the OpenBLAS kernel set the run used, how it was chosen and the
/// self-check's result; null with the managed backend or a LAPACK that is not OpenBLAS-like.</remarks>
public sealed record RunManifest(
    string RunId,
    string Pipeline,
    string Source,
    IReadOnlyList<string> Overrides,
    DateTimeOffset Started,
    double WallSeconds,
    string Status,
    string Backend,
    string BackendNote,
    IReadOnlyDictionary<string, string> Versions,
    IReadOnlyDictionary<string, string> Machine,
    JsonElement Config,
    IReadOnlyList<StageRecord> Stages,
    IReadOnlyList<ExperimentResult> Results,
    BlasKernelRecord? BlasKernel = null)
{
    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
    };

    public static IReadOnlyDictionary<string, string> CollectVersions()
    {
        static string V(Assembly a) =>
            a.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? a.GetName().Version?.ToString() ?? "?";
        var d = new SortedDictionary<string, string>
        {
            ["hnn"] = V(typeof(RunManifest).Assembly),
            [".NET"] = RuntimeInformation.FrameworkDescription,
        };
        foreach (var t in new[] { typeof(MathNet.Numerics.Control), typeof(Parquet.ParquetWriter), typeof(Serilog.Log), typeof(System.Threading.Tasks.Dataflow.DataflowBlock), typeof(YamlDotNet.Core.Parser) })
        {
            d[t.Assembly.GetName().Name!] = V(t.Assembly);
        }

        return d;
    }

    /// <summary>The machine, and the BLAS threads of its calls (they fix the last digits of a solve, see <see cref="ComputeBudget"/>).</summary>
    public static IReadOnlyDictionary<string, string> CollectMachine(ComputeBudget budget, int lanes) => new SortedDictionary<string, string>
    {
        ["os"] = RuntimeInformation.OSDescription,
        ["arch"] = RuntimeInformation.ProcessArchitecture.ToString(),
        ["cores"] = budget.Cores.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["host"] = Environment.MachineName,
        ["blas_threads"] = budget.Describe(lanes),
    };

    public static JsonElement SpecToJson(PipelineSpec spec) => JsonSerializer.SerializeToElement(new
    {
        spec.Name,
        spec.Description,
        System = spec.System is null ? null : new { spec.System.Name, Params = spec.System.Parameters },
        Domain = spec.Domain is null ? null : new { Q = spec.Domain.Q.Select(i => new[] { i.Lower, i.Upper }), P = spec.Domain.P.Select(i => new[] { i.Lower, i.Upper }) },
        spec.Dof,
        Data = new { spec.Data.File, spec.Data.Train, spec.Data.Test, spec.Data.Seeds },
        Anchor = new { spec.Anchor.X0, spec.Anchor.H0 },
        Model = new
        {
            Methods = spec.Model.Methods.Select(m => Hnn.Stages.Sampling.SamplingMethods.ToName(m)).Concat(spec.Adam is null ? [] : [PipelineLoader.AdamMethod]),
            spec.Model.Widths,
            spec.Model.Seeds,
            spec.Model.Rcond,
            ElmBias = spec.Model.ElmBias is { } b ? new[] { b.Low, b.High } : null,
            ASwimFirst = new { spec.Model.ASwimFirst.TrainFraction, spec.Model.ASwimFirst.WidthFraction },
        },
        Adam = spec.Adam,
        Rollout = spec.Rollout,
        Stream = spec.Data.Streamed ? new { spec.Data.StreamRows, SwimCandidates = spec.Model.Widths.Select(spec.Model.CandidateCap).ToArray() } : null,
        Solver = new { spec.Solver.Backend, Mode = spec.Solver.Mode.ToString().ToLowerInvariant(), spec.Solver.ChunkRows, spec.Solver.Lanes, Truncation = spec.Solver.Truncation.Name },
        Run = new { spec.Run.Store, spec.Run.Parallelism },
    }, Json);
}
