using System.Globalization;
using System.Text.Json;
using Hnn.Pipeline.Cli;
using Hnn.Pipeline.Config;
using Hnn.Pipeline.Execution;
using Hnn.Pipeline.Store;

namespace Hnn.Pipeline.Models;

/// <summary>Which experiment of a run: every given field must match (null: any).</summary>
/// <param name="Method">elm, u-swim, a-swim, swim, adam or hig.</param>
/// <param name="Width">Hidden-layer width.</param>
/// <param name="ModelSeed">Model seed.</param>
/// <param name="DataSeed">Data seed.</param>
public sealed record ModelQuery(string? Method = null, int? Width = null, ulong? ModelSeed = null, ulong? DataSeed = null)
{
    /// <summary>True if the experiment matches every given field.</summary>
    public bool Matches(ExperimentResult r) =>
        (Method is null || r.Method == Method) && (Width is null || r.Width == Width)
        && (ModelSeed is null || r.ModelSeed == ModelSeed) && (DataSeed is null || r.DataSeed == DataSeed);
}

/// <summary>A model taken from a run, and, when several experiments matched, which one was chosen and why.</summary>
/// <param name="Model">The model.</param>
/// <param name="Note">Null when exactly one experiment matched; else a sentence naming the choice and the alternatives.</param>
public sealed record RunModel(HamiltonianModel Model, string? Note);

/// <summary>
/// Learned models from a stored run: its manifest (system, domain, anchor, results with the artifact keys) and the
/// network artifact of the chosen experiment (<c>train</c> for adam, <c>hig-train</c> for hig, else <c>fit</c>, the second fit for A-SWIM).
/// </summary>
public static class RunModels
{
    /// <summary>
    /// The model of the experiment of <paramref name="run"/> (id, unique part, or "latest") that matches
    /// <paramref name="query"/>; among several, the best test H error (test x' error where the data carry no H).
    /// No match, an unreadable manifest or a missing network artifact: <see cref="InputException"/>.
    /// </summary>
    public static RunModel Load(ArtifactStore store, string run, ModelQuery query)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(query);
        var dir = Commands.ResolveRun(store, run);
        var runId = Path.GetFileName(dir);
        var manifestPath = Path.Combine(dir, "manifest.json");
        JsonElement manifest;
        List<ExperimentResult> results;
        try
        {
            manifest = JsonSerializer.Deserialize<JsonElement>(File.ReadAllText(manifestPath));
            results = manifest.TryGetProperty("results", out var r) ? JsonSerializer.Deserialize<List<ExperimentResult>>(r.GetRawText(), RunManifest.Json) ?? [] : [];
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException)
        {
            throw new InputException($"{manifestPath}: cannot be read as a run manifest ({Shown.Cut(e.Message, 120)})");
        }

        var (chosen, note) = Select(runId, results, query);
        var (stage, key) = chosen.Model ?? throw new InputException($"run {runId}: {Describe(chosen)} has no network artifact key in its manifest");
        var config = manifest.GetProperty("config");
        var dof = config.GetProperty("dof").GetInt32();
        var table = store.TryReadAsync(stage, key).GetAwaiter().GetResult()
            ?? throw new InputException($"run {runId}: the network artifact {stage}/{key} of {Describe(chosen)} is not in {store.ArtifactsDirectory} (removed by clean, or corrupt); rerun the pipeline to recompute it");
        var network = Codecs.ToNetwork(table, 2 * dof).Network;
        var info = new ModelInfo(dof, chosen.Method, chosen.Width, chosen.DataSeed, chosen.ModelSeed,
            SystemName(config), SystemParams(config), Intervals(config, "q"), Intervals(config, "p"),
            AnchorX0(config, dof), config.GetProperty("anchor").TryGetProperty("h0", out var h0) && h0.ValueKind == JsonValueKind.Number ? h0.GetDouble() : null,
            runId, $"{stage}/{key}");
        return new RunModel(new HamiltonianModel(network, info), note);
    }

    /// <summary>The experiment chosen for <paramref name="query"/>, and the note when the choice was not unique.</summary>
    public static (ExperimentResult Chosen, string? Note) Select(string runId, IReadOnlyList<ExperimentResult> results, ModelQuery query)
    {
        ArgumentNullException.ThrowIfNull(results);
        ArgumentNullException.ThrowIfNull(query);
        if (results.Count == 0)
        {
            throw new InputException($"run {runId}: no experiment results (did the run fail?)");
        }

        query = Checked(runId, results, query);
        var matches = results.Where(query.Matches).ToList();
        if (matches.Count == 0)
        {
            throw new InputException($"run {runId}: no experiment matches{Filters(query)}; the run has: {Choices(results)}");
        }

        if (matches.Count == 1)
        {
            return (matches[0], null);
        }

        var byH = matches.All(m => !double.IsNaN(m.Test.H));
        var best = matches.OrderBy(m => byH ? m.Test.H : m.Test.Dx).First();
        var score = (byH ? best.Test.H : best.Test.Dx).ToString("0.000e+00", CultureInfo.InvariantCulture);
        return (best, $"{matches.Count} experiments of run {runId} match{Filters(query)}; using {Describe(best)}, the best test {(byH ? "H" : "x'")} error ({score}); "
            + $"choose another with --method, --width, --seed, --data-seed from: {Choices(matches)}");
    }

    /// <summary>
    /// The query with its method by its name (an alias or another case accepted, as in model.methods), after checking
    /// each given option on its own: a method that does not exist or that the run has none of, or a width / seed / data
    /// seed no experiment of the run has, is one line naming the option, the value and the values allowed (the method
    /// names; the run's own). Options that each match but not together are listed by <see cref="Select"/>.
    /// </summary>
    private static ModelQuery Checked(string runId, IReadOnlyList<ExperimentResult> results, ModelQuery query)
    {
        if (query.Method is { } name)
        {
            var methods = Values(results.Select(r => r.Method));
            var method = Planning.Method.Find(name)
                ?? throw new InputException($"--method '{Shown.Cut(name)}' is not a method; allowed: {string.Join(", ", Planning.Method.All.Select(m => m.Name))} (run {runId} has {methods})");
            if (!results.Any(r => r.Method == method.Name))
            {
                throw new InputException($"--method {method.Name}: run {runId} has no {method.Name} experiment; its methods: {methods}");
            }

            query = query with { Method = method.Name };
        }

        Present("--width", "width", query.Width?.ToString(CultureInfo.InvariantCulture), results.Select(r => r.Width.ToString(CultureInfo.InvariantCulture)));
        Present("--seed", "model seed", query.ModelSeed?.ToString(CultureInfo.InvariantCulture), results.Select(r => r.ModelSeed.ToString(CultureInfo.InvariantCulture)));
        Present("--data-seed", "data seed", query.DataSeed?.ToString(CultureInfo.InvariantCulture), results.Select(r => r.DataSeed.ToString(CultureInfo.InvariantCulture)));
        return query;

        void Present(string option, string what, string? value, IEnumerable<string> values)
        {
            var all = values.ToList();
            if (value is not null && !all.Contains(value))
            {
                throw new InputException($"{option} {value}: run {runId} has no experiment of {what} {value}; its {what}s: {Values(all)}");
            }
        }
    }

    /// <summary>The distinct values, in first-seen order, comma-separated (cut to a few hundred characters).</summary>
    private static string Values(IEnumerable<string> values) => Shown.Cut(string.Join(", ", values.Distinct()), 300);

    private static string Describe(ExperimentResult r) =>
        $"{r.Method} width {r.Width} model seed {r.ModelSeed} data seed {r.DataSeed}";

    private static string Choices(IEnumerable<ExperimentResult> results) =>
        Shown.Cut(string.Join("; ", results.Select(r => $"{Describe(r)} ({Score(r)})")), 600);

    /// <summary>The test error a choice is listed with: H, else x' (data without H), else none (a run without either, e.g. trajectories from a file).</summary>
    private static string Score(ExperimentResult r) =>
        !double.IsNaN(r.Test.H) ? $"test H {r.Test.H.ToString("0.00e+00", CultureInfo.InvariantCulture)}"
        : !double.IsNaN(r.Test.Dx) ? $"test x' {r.Test.Dx.ToString("0.00e+00", CultureInfo.InvariantCulture)}"
        : "no test error";

    private static string Filters(ModelQuery q)
    {
        var parts = new List<string>();
        if (q.Method is not null)
        {
            parts.Add($"--method {Shown.Cut(q.Method)}");
        }

        if (q.Width is { } w)
        {
            parts.Add($"--width {w}");
        }

        if (q.ModelSeed is { } s)
        {
            parts.Add($"--seed {s}");
        }

        if (q.DataSeed is { } d)
        {
            parts.Add($"--data-seed {d}");
        }

        return parts.Count == 0 ? "" : " " + string.Join(" ", parts);
    }

    private static string? SystemName(JsonElement config) =>
        config.TryGetProperty("system", out var s) && s.ValueKind == JsonValueKind.Object ? s.GetProperty("name").GetString() : null;

    private static Dictionary<string, double> SystemParams(JsonElement config) =>
        config.TryGetProperty("system", out var s) && s.ValueKind == JsonValueKind.Object && s.TryGetProperty("params", out var p) && p.ValueKind == JsonValueKind.Object
            ? p.EnumerateObject().ToDictionary(e => e.Name, e => e.Value.GetDouble())
            : [];

    private static double[][]? Intervals(JsonElement config, string name) =>
        config.TryGetProperty("domain", out var d) && d.ValueKind == JsonValueKind.Object
            ? [.. d.GetProperty(name).EnumerateArray().Select(iv => iv.EnumerateArray().Select(v => v.GetDouble()).ToArray())]
            : null;

    private static double[] AnchorX0(JsonElement config, int dof) =>
        config.TryGetProperty("anchor", out var a) && a.TryGetProperty("x0", out var x0) && x0.ValueKind == JsonValueKind.Array
            ? [.. x0.EnumerateArray().Select(v => v.GetDouble())]
            : new double[2 * dof];
}
