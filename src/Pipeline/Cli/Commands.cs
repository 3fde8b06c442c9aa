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

    /// <summary>
    /// <c>hnn run</c>: validates every variant of the pipeline (one, or one per combination of its <c>sweep:</c>) and
    /// checks each against the machine's memory before anything runs, then runs them in order into one store, each a
    /// run of its own (stages a swept key does not reach are computed once and loaded by the later variants).
    /// </summary>
    public static async Task<int> RunAsync(string pipelinePath, IReadOnlyList<string> overrides, string? storeOverride, TextWriter stdout, ILogger log, CancellationToken ct, bool report = true)
    {
        var variants = PipelineLoader.LoadSweep(pipelinePath, overrides);
        foreach (var v in variants)
        {
            var memory = MemoryEstimate.Check(v.Spec);
            log.Debug("Estimated peak memory {Peak} of {Available} available", MemoryEstimate.Gb(memory.PeakBytes), MemoryEstimate.Gb(MemoryEstimate.AvailableBytes()));
        }

        var storeRoots = variants.Select(v => storeOverride ?? v.Spec.Run.Store).Distinct(StringComparer.Ordinal).ToList();
        if (storeRoots.Count != 1)
        {
            throw new InputException($"{pipelinePath}: sweep: run.store differs between variants; a sweep writes into one store");
        }

        var storeRoot = storeRoots[0];
        if (StorePolicy.Problem(storeRoot) is { } storeProblem)
        {
            throw new InputException(storeOverride is not null ? $"--store: {storeProblem}" : $"{pipelinePath}: run.store: {storeProblem}");
        }

        var la = BlasKernel.Resolve(variants[0].Spec.Solver.Backend, log, out var note, out var kernel);
        log.Information("{Note}", note);
        var store = new ArtifactStore(storeRoot, w => log.Warning("{Warning}", w));
        using var lease = store.AcquireRunLease(); // `clean` waits for this run to end (see ArtifactStore.TryLockExclusive)
        var ids = new List<string>();
        foreach (var v in variants)
        {
            if (variants.Count > 1)
            {
                log.Information("sweep variant {Index}/{Count}: {Settings}", ids.Count + 1, variants.Count, string.Join(", ", v.Settings));
            }

            ids.Add(await RunOneAsync(v.Spec, pipelinePath, [.. overrides, .. v.Settings], store, la, note, kernel, stdout, log, ct, report).ConfigureAwait(false));
        }

        if (variants.Count > 1)
        {
            await stdout.WriteLineAsync($"sweep: {variants.Count} runs; compare them with: hnn compare {string.Join(' ', ids)}{(storeOverride is null ? "" : $" --store {storeOverride}")}").ConfigureAwait(false);
        }

        return Ok;
    }

    /// <summary>Runs one validated pipeline into <paramref name="store"/>: manifest, results, report; returns the run id.</summary>
    private static async Task<string> RunOneAsync(PipelineSpec spec, string pipelinePath, IReadOnlyList<string> overrides, ArtifactStore store, ILinearAlgebra la,
        string note, BlasKernelRecord? kernel, TextWriter stdout, ILogger log, CancellationToken ct, bool report)
    {
        var storeRoot = store.Root;
        var runner = new PipelineRunner(store, la, log);
        var started = DateTimeOffset.Now;
        var runId = $"{started:yyyyMMdd-HHmmss}-{Sanitize(spec.Name)}-{Guid.NewGuid().ToString("N")[..6]}";
        log.Information("Run {RunId}: pipeline {Pipeline} ({Experiments} experiment(s)), store {Store}",
            runId, spec.Name, spec.Data.Seeds.Count * spec.Model.Widths.Count * spec.Model.Seeds.Count * spec.MethodCount, Path.GetFullPath(storeRoot));
        var sw = Stopwatch.StartNew();
        IReadOnlyList<ExperimentResult> results = [];
        var status = "failed";
        var dir = Path.Combine(store.RunsDirectory, runId);
        var manifestLock = new Lock();
        var manifestDone = false;
        RunManifest Manifest(string s) => new(runId, spec.Name, Path.GetFullPath(pipelinePath), overrides, started, sw.Elapsed.TotalSeconds, s,
            la.Name, note, RunManifest.CollectVersions(), RunManifest.CollectMachine(PipelineRunner.Budget(spec), spec.Solver.Lanes), RunManifest.SpecToJson(spec),
            [.. runner.Records], results, kernel);

        // A second signal ends the process at once: record what finished (status "interrupted") before it goes.
        using (ShutdownHooks.Register(() =>
        {
            lock (manifestLock)
            {
                if (!manifestDone)
                {
                    manifestDone = true;
                    Directory.CreateDirectory(dir);
                    AtomicFile.WriteText(Path.Combine(dir, "manifest.json"), JsonSerializer.Serialize(Manifest("interrupted"), RunManifest.Json));
                }
            }
        }))
        {
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
                lock (manifestLock)
                {
                    if (!manifestDone)
                    {
                        manifestDone = true;
                        WriteRun(dir, Manifest(status), results);
                    }
                }

                log.Information("Run {RunId} {Status} in {Seconds:F2} s; manifest {Path}", runId, status, sw.Elapsed.TotalSeconds, Path.Combine(dir, "manifest.json"));
            }
        }

        await stdout.WriteLineAsync(ResultsTable.Format(results)).ConfigureAwait(false);
        var runDir = dir;
        await stdout.WriteLineAsync($"run {runId}: {runDir}").ConfigureAwait(false);
        if (report)
        {
            var reportSw = Stopwatch.StartNew();
            var files = await RunReport.BuildAsync(store, runDir, log, ct, spec.System?.Build()).ConfigureAwait(false);
            log.Information("Report written in {Seconds:F1} s", reportSw.Elapsed.TotalSeconds);
            await stdout.WriteLineAsync($"report: {files.HtmlPath}").ConfigureAwait(false);
        }

        return runId;
    }

    /// <summary>
    /// The run folder's files: results first, the manifest last (its presence says the run has been recorded). Synchronous
    /// on purpose: it runs under the manifest lock, which a second signal's shutdown hook also takes.
    /// </summary>
    private static void WriteRun(string dir, RunManifest manifest, IReadOnlyList<ExperimentResult> results)
    {
        Directory.CreateDirectory(dir);
        AtomicFile.WriteText(Path.Combine(dir, "results.json"), JsonSerializer.Serialize(results, RunManifest.Json));
        RunTables.Write(dir, results);
        AtomicFile.WriteText(Path.Combine(dir, "manifest.json"), JsonSerializer.Serialize(manifest, RunManifest.Json));
    }


    public static int Validate(string pipelinePath, IReadOnlyList<string> overrides, TextWriter stdout)
    {
        var variants = PipelineLoader.LoadSweep(pipelinePath, overrides);
        foreach (var (settings, spec) in variants)
        {
            var memory = MemoryEstimate.Check(spec);
            var which = settings.Count == 0 ? "" : $" [sweep variant {string.Join(", ", settings)}]";
            stdout.WriteLine($"{pipelinePath}{which}: valid ({spec.System?.Name ?? Path.GetFileName(spec.Data.File)}, {spec.MethodCount} method(s) x {spec.Model.Widths.Count} width(s) x {spec.Model.Seeds.Count} model seed(s) x {spec.Data.Seeds.Count} data seed(s)); estimated peak memory {MemoryEstimate.Gb(memory.PeakBytes)} of {MemoryEstimate.Gb(MemoryEstimate.AvailableBytes())} available");
            stdout.WriteLine(JsonSerializer.Serialize(RunManifest.SpecToJson(spec), RunManifest.Json));
        }

        return Ok;
    }

    public static int List(string storeRoot, TextWriter stdout)
    {
        var store = new ArtifactStore(storeRoot);
        var runs = ReadManifests(store, out var unreadable);
        stdout.WriteLine($"store {Path.GetFullPath(storeRoot)}");
        foreach (var (path, error) in unreadable)
        {
            stdout.WriteLine($"  warning: {path}: {error}");
        }

        stdout.WriteLine($"runs ({runs.Count}):");
        foreach (var (id, m) in runs)
        {
            var status = m.TryGetProperty("status", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : "?";
            var wall = m.TryGetProperty("wall_seconds", out var w) && w.ValueKind == JsonValueKind.Number ? w.GetDouble() : 0;
            stdout.WriteLine($"  {id}  {status}  {wall:F2} s{BestOf(m)}");
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
        var (manifest, error) = ReadManifest(path);
        if (error is not null)
        {
            throw new InputException($"{path}: {error}");
        }

        List<ExperimentResult> results;
        try
        {
            results = manifest.TryGetProperty("results", out var r)
                ? JsonSerializer.Deserialize<List<ExperimentResult>>(r.GetRawText(), RunManifest.Json) ?? []
                : [];
        }
        catch (JsonException ex)
        {
            throw new InputException($"{path}: 'results' is not a list of experiment results ({ex.Message.Split('.')[0]})");
        }

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
    internal static string ResolveRun(ArtifactStore store, string run)
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
        using var exclusive = store.TryLockExclusive()
            ?? throw new InputException($"{Path.GetFullPath(storeRoot)}: a run is using this store (it holds store.lock); nothing removed — clean when it has finished");
        var bad = ReadManifests(store, out var unreadable).ToList();
        if (unreadable.Count > 0)
        {
            // Without a manifest we cannot tell which artifacts that run needs: removing nothing is the only safe choice.
            throw new InputException(
                $"{unreadable[0].Path}: {unreadable[0].Error}; nothing removed (fix or delete that run folder, then clean again){(unreadable.Count > 1 ? $" — and {unreadable.Count - 1} more unreadable manifest(s)" : "")}");
        }

        var keep = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (_, m) in bad)
        {
            if (m.TryGetProperty("stages", out var stages) && stages.ValueKind == JsonValueKind.Array)
            {
                foreach (var st in stages.EnumerateArray())
                {
                    if (st.ValueKind == JsonValueKind.Object && st.TryGetProperty("key", out var k) && k.ValueKind == JsonValueKind.String)
                    {
                        keep.Add(k.GetString()!);
                    }
                }
            }
        }

        var plan = store.PlanClean(keep);
        if (dryRun)
        {
            foreach (var item in plan)
            {
                stdout.WriteLine($"would remove {Path.GetRelativePath(store.Root, item.Path)} ({item.SizeBytes / 1e3:F1} kB): {item.Reason}");
            }

            stdout.WriteLine($"{plan.Count} file(s) would be removed");
            return Ok;
        }

        var removed = store.Delete(plan);
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

    /// <summary>", best a-swim w1000: test H 1.83e-11 (4 experiments)" from a manifest's results, or "" without any.</summary>
    private static string BestOf(JsonElement manifest)
    {
        if (!manifest.TryGetProperty("results", out var results) || results.ValueKind != JsonValueKind.Array || results.GetArrayLength() == 0)
        {
            return "";
        }

        static double TestH(JsonElement r) =>
            r.TryGetProperty("test", out var t) && t.ValueKind == JsonValueKind.Object && t.TryGetProperty("h", out var h) && h.ValueKind == JsonValueKind.Number
                ? h.GetDouble()
                : double.NaN;
        var best = results.EnumerateArray().Where(r => r.ValueKind == JsonValueKind.Object && double.IsFinite(TestH(r))).OrderBy(TestH).FirstOrDefault();
        if (best.ValueKind != JsonValueKind.Object)
        {
            return $"  ({results.GetArrayLength()} experiments)";
        }

        var method = best.TryGetProperty("method", out var me) && me.ValueKind == JsonValueKind.String ? me.GetString() : "?";
        var width = best.TryGetProperty("width", out var wi) && wi.ValueKind == JsonValueKind.Number ? wi.GetInt32().ToString(CultureInfo.InvariantCulture) : "?";
        return $"  best {method} w{width}: test H {TestH(best).ToString("0.00e+00", CultureInfo.InvariantCulture)} ({results.GetArrayLength()} experiments)";
    }

    /// <summary>The readable run manifests (id order); unreadable ones are listed in <paramref name="unreadable"/>.</summary>
    private static List<(string Id, JsonElement Manifest)> ReadManifests(ArtifactStore store, out List<(string Path, string Error)> unreadable)
    {
        var good = new List<(string, JsonElement)>();
        unreadable = [];
        if (!Directory.Exists(store.RunsDirectory))
        {
            return good;
        }

        foreach (var dir in Directory.GetDirectories(store.RunsDirectory).OrderBy(d => d, StringComparer.Ordinal))
        {
            var path = Path.Combine(dir, "manifest.json");
            if (!File.Exists(path))
            {
                continue;
            }

            var (m, error) = ReadManifest(path);
            if (error is null)
            {
                good.Add((Path.GetFileName(dir), m));
            }
            else
            {
                unreadable.Add((path, error));
            }
        }

        return good;
    }

    private static IEnumerable<(string Id, JsonElement Manifest)> ReadManifests(ArtifactStore store) => ReadManifests(store, out _);

    /// <summary>A manifest as JSON, or why it cannot be used (not JSON, not an object, too large).</summary>
    private static (JsonElement Manifest, string? Error) ReadManifest(string path)
    {
        try
        {
            if (new FileInfo(path).Length > 256L << 20)
            {
                return (default, "larger than 256 MB: not a manifest written by hnn");
            }

            var m = JsonSerializer.Deserialize<JsonElement>(File.ReadAllText(path));
            return m.ValueKind == JsonValueKind.Object ? (m, null) : (default, "not a run manifest (the JSON is not an object)");
        }
        catch (JsonException ex)
        {
            return (default, $"not valid JSON (line {(ex.LineNumber ?? 0) + 1}): the manifest is corrupt");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return (default, $"cannot be read: {ex.Message}");
        }
    }

    /// <summary>The name as it appears in a run id: ASCII letters and digits, '-' and '_' (one byte per character).</summary>
    private static string Sanitize(string s) => new([.. s.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '-')]);
}
