using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Hnn.Datasets;
using Hnn.Pipeline.Config;
using Hnn.Pipeline.Execution;
using Hnn.Pipeline.Report;
using Hnn.Pipeline.Store;
using Hnn.Stages.Numerics;
using Serilog;

namespace Hnn.Pipeline.Cli;

/// <summary>The effects behind each CLI command. Each returns an exit code: 0 success, 2 bad input, 1 failure.</summary>
public static class Commands
{
    public const int Ok = 0;
    public const int Failure = 1;
    public const int BadInput = 2;

    public static async Task<int> RunAsync(string pipelinePath, IReadOnlyList<string> overrides, string? storeOverride, TextWriter stdout, ILogger log, CancellationToken ct, bool report = true)
    {
        var spec = PipelineLoader.Load(pipelinePath, overrides);
        var storeRoot = storeOverride ?? spec.Run.Store;
        var la = BlasKernel.Resolve(spec.Solver.Backend, log, out var note, out var kernel);
        log.Information("{Note}", note);
        var store = new ArtifactStore(storeRoot, w => log.Warning("{Warning}", w));
        var runner = new PipelineRunner(store, la, log);
        var started = DateTimeOffset.Now;
        var runId = $"{started:yyyyMMdd-HHmmss}-{Sanitize(spec.Name)}-{Guid.NewGuid().ToString("N")[..6]}";
        log.Information("Run {RunId}: pipeline {Pipeline} ({Experiments} experiment(s)), store {Store}",
            runId, spec.Name, spec.Data.Seeds.Count * spec.Model.Widths.Count * spec.Model.Seeds.Count * spec.MethodCount, Path.GetFullPath(storeRoot));
        var sw = Stopwatch.StartNew();
        IReadOnlyList<ExperimentResult> results = [];
        var status = "failed";
        try
        {
            results = await runner.RunAsync(spec, ct).ConfigureAwait(false);
            status = "completed";
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            status = "interrupted";
            throw;
        }
        finally
        {
            var manifest = new RunManifest(runId, spec.Name, Path.GetFullPath(pipelinePath), overrides, started, sw.Elapsed.TotalSeconds, status,
                la.Name, note, RunManifest.CollectVersions(), RunManifest.CollectMachine(), RunManifest.SpecToJson(spec),
                [.. runner.Records], results, kernel);
            var dir = Path.Combine(store.RunsDirectory, runId);
            await WriteRunAsync(dir, manifest, results).ConfigureAwait(false);
            log.Information("Run {RunId} {Status} in {Seconds:F2} s; manifest {Path}", runId, status, sw.Elapsed.TotalSeconds, Path.Combine(dir, "manifest.json"));
        }

        await stdout.WriteLineAsync(ResultsTable.Format(results)).ConfigureAwait(false);
        var runDir = Path.Combine(store.RunsDirectory, runId);
        await stdout.WriteLineAsync($"run {runId}: {runDir}").ConfigureAwait(false);
        if (report)
        {
            var reportSw = Stopwatch.StartNew();
            var files = await RunReport.BuildAsync(store, runDir, log, ct).ConfigureAwait(false);
            log.Information("Report written in {Seconds:F1} s", reportSw.Elapsed.TotalSeconds);
            await stdout.WriteLineAsync($"report: {files.HtmlPath}").ConfigureAwait(false);
        }

        return Ok;
    }

    private static async Task WriteRunAsync(string dir, RunManifest manifest, IReadOnlyList<ExperimentResult> results)
    {
        Directory.CreateDirectory(dir);
        await AtomicWriteAsync(Path.Combine(dir, "manifest.json"), JsonSerializer.Serialize(manifest, RunManifest.Json)).ConfigureAwait(false);
        await AtomicWriteAsync(Path.Combine(dir, "results.json"), JsonSerializer.Serialize(results, RunManifest.Json)).ConfigureAwait(false);
        var table = Table.FromDoubles(
        [
            ("width", results.Select(r => (double)r.Width).ToArray()),
            ("data_seed", results.Select(r => (double)r.DataSeed).ToArray()),
            ("model_seed", results.Select(r => (double)r.ModelSeed).ToArray()),
            ("train_seconds", results.Select(r => r.TrainSeconds).ToArray()),
            ("rank", results.Select(r => (double)r.Rank).ToArray()),
            ("train_H", results.Select(r => r.Train.H).ToArray()),
            ("train_gradH", results.Select(r => r.Train.GradH).ToArray()),
            ("test_H", results.Select(r => r.Test.H).ToArray()),
            ("test_gradH", results.Select(r => r.Test.GradH).ToArray()),
            ("test_dx", results.Select(r => r.Test.Dx).ToArray()),
        ], new Dictionary<string, string> { ["methods"] = string.Join(",", results.Select(r => r.Method)) });
        await ParquetTableIO.WriteAsync(table, Path.Combine(dir, "results.parquet"), CancellationToken.None).ConfigureAwait(false);

        // One row per experiment and integrator; the method and integrator of row i are the i-th entries of the
        // comma-separated "methods" and "integrators" metadata (as in results.parquet).
        var rolled = results.SelectMany(r => (r.Rollouts ?? []).Select(o => (r, o))).ToList();
        if (rolled.Count > 0)
        {
            var rollouts = Table.FromDoubles(
            [
                ("width", rolled.Select(x => (double)x.r.Width).ToArray()),
                ("data_seed", rolled.Select(x => (double)x.r.DataSeed).ToArray()),
                ("model_seed", rolled.Select(x => (double)x.r.ModelSeed).ToArray()),
                ("max_state_error", rolled.Select(x => x.o.MaxStateError).ToArray()),
                ("final_state_error", rolled.Select(x => x.o.FinalStateError).ToArray()),
                ("max_deviation_from_exact", rolled.Select(x => x.o.MaxDeviationFromExact).ToArray()),
                ("max_energy_drift", rolled.Select(x => x.o.MaxEnergyDrift).ToArray()),
                ("H_error", rolled.Select(x => x.o.HError).ToArray()),
                ("gradH_error", rolled.Select(x => x.o.GradHError).ToArray()),
            ], new Dictionary<string, string>
            {
                ["methods"] = string.Join(",", rolled.Select(x => x.r.Method)),
                ["integrators"] = string.Join(",", rolled.Select(x => x.o.Integrator)),
            });
            await ParquetTableIO.WriteAsync(rollouts, Path.Combine(dir, "rollouts.parquet"), CancellationToken.None).ConfigureAwait(false);
        }
    }

    private static async Task AtomicWriteAsync(string path, string text)
    {
        var tmp = path + ".tmp";
        await File.WriteAllTextAsync(tmp, text).ConfigureAwait(false);
        File.Move(tmp, path, overwrite: true);
    }

    public static int Validate(string pipelinePath, IReadOnlyList<string> overrides, TextWriter stdout)
    {
        var spec = PipelineLoader.Load(pipelinePath, overrides);
        stdout.WriteLine($"{pipelinePath}: valid ({spec.System?.Name ?? Path.GetFileName(spec.Data.File)}, {spec.MethodCount} method(s) x {spec.Model.Widths.Count} width(s) x {spec.Model.Seeds.Count} model seed(s) x {spec.Data.Seeds.Count} data seed(s))");
        stdout.WriteLine(JsonSerializer.Serialize(RunManifest.SpecToJson(spec), RunManifest.Json));
        return Ok;
    }

    public static int List(string storeRoot, TextWriter stdout)
    {
        var store = new ArtifactStore(storeRoot);
        var runs = ReadManifests(store).ToList();
        stdout.WriteLine($"store {Path.GetFullPath(storeRoot)}");
        stdout.WriteLine($"runs ({runs.Count}):");
        foreach (var (id, m) in runs)
        {
            var status = m.TryGetProperty("status", out var s) ? s.GetString() : "?";
            var wall = m.TryGetProperty("wall_seconds", out var w) ? w.GetDouble() : 0;
            stdout.WriteLine($"  {id}  {status}  {wall:F2} s");
        }

        var artifacts = store.List().ToList();
        stdout.WriteLine($"artifacts ({artifacts.Count}, {artifacts.Sum(a => a.SizeBytes) / 1e6:F1} MB):");
        foreach (var g in artifacts.GroupBy(a => a.Stage).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            stdout.WriteLine($"  {g.Key}: {g.Count()} ({g.Sum(a => a.SizeBytes) / 1e6:F1} MB)");
            foreach (var a in g.OrderBy(a => a.LastWriteTimeUtc))
            {
                stdout.WriteLine($"    {a.Key}  {a.SizeBytes / 1e3,10:F1} kB  {a.LastWriteTimeUtc:yyyy-MM-dd HH:mm:ss}");
            }
        }

        return Ok;
    }

    public static int Show(string storeRoot, string run, TextWriter stdout)
    {
        var store = new ArtifactStore(storeRoot);
        var path = Path.Combine(ResolveRun(store, run), "manifest.json");
        var manifest = JsonSerializer.Deserialize<JsonElement>(File.ReadAllText(path));
        var results = JsonSerializer.Deserialize<List<ExperimentResult>>(manifest.GetProperty("results").GetRawText(), RunManifest.Json) ?? [];
        stdout.WriteLine(File.ReadAllText(path));
        stdout.WriteLine();
        stdout.WriteLine(ResultsTable.Format(results));
        return Ok;
    }

    /// <summary>Writes (or rewrites) a run's report from the store and prints where it is.</summary>
    public static async Task<int> ReportAsync(string storeRoot, string run, TextWriter stdout, ILogger log, CancellationToken ct)
    {
        var store = new ArtifactStore(storeRoot, w => log.Warning("{Warning}", w));
        var files = await RunReport.BuildAsync(store, ResolveRun(store, run), log, ct).ConfigureAwait(false);
        await stdout.WriteLineAsync($"report: {files.HtmlPath}").ConfigureAwait(false);
        await stdout.WriteLineAsync($"        {files.MarkdownPath}").ConfigureAwait(false);
        return Ok;
    }

    /// <summary>The folder of a run given by its id, a unique part of it, or 'latest'.</summary>
    private static string ResolveRun(ArtifactStore store, string run)
    {
        var matches = Directory.Exists(store.RunsDirectory)
            ? Directory.GetDirectories(store.RunsDirectory).Select(Path.GetFileName).Where(n => n!.StartsWith(run, StringComparison.Ordinal) || n.Contains(run, StringComparison.Ordinal)).ToList()
            : [];
        if (run == "latest" && Directory.Exists(store.RunsDirectory))
        {
            matches = Directory.GetDirectories(store.RunsDirectory).Select(Path.GetFileName).OrderBy(n => n, StringComparer.Ordinal).TakeLast(1).ToList();
        }

        if (matches.Count != 1)
        {
            throw new InputException(matches.Count == 0
                ? $"run '{run}': no such run in {Path.GetFullPath(store.RunsDirectory)} (see 'hnn list')"
                : $"run '{run}' is ambiguous: {string.Join(", ", matches)}");
        }

        return Path.Combine(store.RunsDirectory, matches[0]!);
    }

    public static int Clean(string storeRoot, bool dryRun, TextWriter stdout)
    {
        var store = new ArtifactStore(storeRoot);
        var keep = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (_, m) in ReadManifests(store))
        {
            if (m.TryGetProperty("stages", out var stages))
            {
                foreach (var s in stages.EnumerateArray())
                {
                    keep.Add(s.GetProperty("key").GetString()!);
                }
            }
        }

        var unreferenced = store.List().Where(a => !keep.Contains(a.Key)).ToList();
        if (dryRun)
        {
            foreach (var a in unreferenced)
            {
                stdout.WriteLine($"would remove {a.Stage}/{a.Key} ({a.SizeBytes / 1e3:F1} kB)");
            }

            stdout.WriteLine($"{unreferenced.Count} artifact(s) not referenced by any run manifest");
            return Ok;
        }

        var removed = store.DeleteExcept(keep);
        stdout.WriteLine($"removed {removed} file(s) not referenced by any of the run manifests in {Path.GetFullPath(store.RunsDirectory)}");
        return Ok;
    }

    public static int Systems(TextWriter stdout)
    {
        foreach (var name in SystemRegistry.Names)
        {
            var s = SystemRegistry.Create(name, null);
            var ps = string.Join(", ", s.Parameters.Select(p => $"{p.Key}={p.Value.ToString("R", CultureInfo.InvariantCulture)}"));
            stdout.WriteLine($"{name,-20} dof {s.Dof}  {(ps.Length == 0 ? "(no parameters)" : ps)}");
        }

        return Ok;
    }

    private static IEnumerable<(string Id, JsonElement Manifest)> ReadManifests(ArtifactStore store)
    {
        if (!Directory.Exists(store.RunsDirectory))
        {
            yield break;
        }

        foreach (var dir in Directory.GetDirectories(store.RunsDirectory).OrderBy(d => d, StringComparer.Ordinal))
        {
            var path = Path.Combine(dir, "manifest.json");
            if (!File.Exists(path))
            {
                continue;
            }

            JsonElement m;
            try
            {
                m = JsonSerializer.Deserialize<JsonElement>(File.ReadAllText(path));
            }
            catch (JsonException)
            {
                continue;
            }

            yield return (Path.GetFileName(dir), m);
        }
    }

    private static string Sanitize(string s) => new([.. s.Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' ? c : '-')]);
}
