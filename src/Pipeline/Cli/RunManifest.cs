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
    /// <summary>The JSON form of every run file (manifest, results, plan): the spec's own options (<see cref="PipelineJson.Options"/>).</summary>
    public static JsonSerializerOptions Json => PipelineJson.Options;

    /// <summary>
    /// Reads a run's manifest.json into this record — the one form list, show, clean, report and export read. Older
    /// manifests load too: a field they lack is empty (null, 0, [] — blas_kernel, versions, ...), a stage entry without a
    /// key is skipped. Returns null with a one-line reason when the file is no manifest (not JSON, not an object,
    /// larger than 256 MB, results not experiment results).
    /// </summary>
    public static (RunManifest? Manifest, string? Error) TryRead(string path)
    {
        try
        {
            if (new FileInfo(path).Length > 256L << 20)
            {
                return (null, "larger than 256 MB: not a manifest written by hnn");
            }

            return Parse(File.ReadAllText(path));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return (null, $"cannot be read: {ex.Message}");
        }
    }

    /// <summary>Reads a manifest or throws an <see cref="InputException"/> naming the file and what is wrong.</summary>
    public static RunManifest Read(string path)
    {
        var (m, error) = TryRead(path);
        return m ?? throw new InputException($"{path}: {error}");
    }

    /// <summary>The record from a manifest's JSON text (see <see cref="TryRead"/>).</summary>
    public static (RunManifest? Manifest, string? Error) Parse(string json)
    {
        JsonElement m;
        try
        {
            m = JsonSerializer.Deserialize<JsonElement>(json);
        }
        catch (JsonException ex)
        {
            return (null, $"not valid JSON (line {(ex.LineNumber ?? 0) + 1}): the manifest is corrupt");
        }

        if (m.ValueKind != JsonValueKind.Object)
        {
            return (null, "not a run manifest (the JSON is not an object)");
        }

        string Str(string name) => m.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "";
        IReadOnlyDictionary<string, string> Map(string name) => m.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Object
            ? v.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.String).ToDictionary(p => p.Name, p => p.Value.GetString()!)
            : new Dictionary<string, string>();
        static double Num(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : 0;

        var stages = m.TryGetProperty("stages", out var st) && st.ValueKind == JsonValueKind.Array
            ? st.EnumerateArray()
                .Where(e => e.ValueKind == JsonValueKind.Object && e.TryGetProperty("key", out var k) && k.ValueKind == JsonValueKind.String)
                .Select(e => new StageRecord(
                    e.TryGetProperty("stage", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString()! : "",
                    e.GetProperty("key").GetString()!,
                    e.TryGetProperty("cached", out var c) && c.ValueKind == JsonValueKind.True,
                    Num(e, "seconds"),
                    Num(e, "compute_seconds")))
                .ToList()
            : [];
        List<ExperimentResult> results;
        BlasKernelRecord? kernel;
        try
        {
            results = m.TryGetProperty("results", out var r) && r.ValueKind != JsonValueKind.Null
                ? JsonSerializer.Deserialize<List<ExperimentResult>>(r.GetRawText(), Json) ?? []
                : [];
            kernel = m.TryGetProperty("blas_kernel", out var b) && b.ValueKind == JsonValueKind.Object ? b.Deserialize<BlasKernelRecord>(Json) : null;
        }
        catch (JsonException ex)
        {
            return (null, $"'results' is not a list of experiment results ({ex.Message.Split('.')[0]})");
        }

        return (new RunManifest(
            Str("run_id"),
            Str("pipeline"),
            Str("source"),
            m.TryGetProperty("overrides", out var o) && o.ValueKind == JsonValueKind.Array ? [.. o.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.String).Select(x => x.GetString()!)] : [],
            m.TryGetProperty("started", out var s) && s.ValueKind == JsonValueKind.String && s.TryGetDateTimeOffset(out var t) ? t : default,
            Num(m, "wall_seconds"),
            m.TryGetProperty("status", out var stt) && stt.ValueKind == JsonValueKind.String ? stt.GetString()! : "?",
            Str("backend"),
            Str("backend_note"),
            Map("versions"),
            Map("machine"),
            m.TryGetProperty("config", out var cfg) ? cfg.Clone() : default,
            stages,
            results,
            kernel), null);
    }

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

    /// <summary>The spec's JSON form (<see cref="PipelineJson"/>, each config section's own).</summary>
    public static JsonElement SpecToJson(PipelineSpec spec) => PipelineJson.ToJson(spec);
}
