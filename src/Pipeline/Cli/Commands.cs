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
using Spectre.Console;

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
    public static async Task<int> RunAsync(string pipelinePath, IReadOnlyList<string> overrides, string? storeOverride, TextWriter stdout, ILogger log, CancellationToken ct, bool report = true,
        TimeProvider? time = null, IAnsiConsole? live = null)
    {
        time ??= TimeProvider.System;
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
        var store = new ArtifactStore(storeRoot, w => log.Warning("{Warning}", w), time: time);
        using var lease = store.AcquireRunLease(); // `clean` waits for this run to end (see ArtifactStore.TryLockExclusive)
        var ids = new List<string>();
        foreach (var v in variants)
        {
            if (variants.Count > 1)
            {
                log.Information("sweep variant {Index}/{Count}: {Settings}", ids.Count + 1, variants.Count, string.Join(", ", v.Settings));
            }

            ids.Add(await RunOneAsync(v.Spec, pipelinePath, [.. overrides, .. v.Settings], store, la, note, kernel, stdout, log, time, ct, report, live,
                (overrides, ids.Count)).ConfigureAwait(false));
        }

        if (variants.Count > 1)
        {
            await stdout.WriteLineAsync($"sweep: {variants.Count} runs; compare them with: hnn compare {string.Join(' ', ids)}{(storeOverride is null ? "" : $" --store {storeOverride}")}").ConfigureAwait(false);
        }

        return Ok;
    }

    /// <summary>Runs one validated pipeline into <paramref name="store"/>: manifest, results, report; returns the run id.</summary>
    private static async Task<string> RunOneAsync(PipelineSpec spec, string pipelinePath, IReadOnlyList<string> overrides, ArtifactStore store, ILinearAlgebra la,
        string note, BlasKernelRecord? kernel, TextWriter stdout, ILogger log, TimeProvider time, CancellationToken ct, bool report, IAnsiConsole? live,
        (IReadOnlyList<string> Overrides, int Index) variant)
    {
        var storeRoot = store.Root;
        var runner = new PipelineRunner(store, la, log);
        var started = time.GetLocalNow();
        var runId = $"{started:yyyyMMdd-HHmmss}-{Sanitize(spec.Name)}-{Guid.NewGuid().ToString("N")[..6]}";
        log.Information("Run {RunId}: pipeline {Pipeline} ({Experiments} experiment(s)), store {Store}",
            runId, spec.Name, spec.Data.Seeds.Count * spec.Model.Widths.Count * spec.Model.Seeds.Count * spec.MethodCount, Path.GetFullPath(storeRoot));
        var sw = Stopwatch.StartNew();
        IReadOnlyList<ExperimentResult> results = [];
        var status = "failed";
        var dir = Path.Combine(store.RunsDirectory, runId);
        var manifestLock = new Lock();
        var manifestDone = false;
        IReadOnlyList<StageRecord>? clusterRecords = null; // run.executor orleans: the silos' records, each stage once
        RunManifest Manifest(string s) => new(runId, spec.Name, Path.GetFullPath(pipelinePath), overrides, started, sw.Elapsed.TotalSeconds, s,
            la.Name, note, RunManifest.CollectVersions(), RunManifest.CollectMachine(PipelineRunner.Budget(spec), spec.Solver.Lanes), RunManifest.SpecToJson(spec),
            [.. clusterRecords ?? runner.Records], results, kernel);

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
                if (spec.Run.OnCluster)
                {
                    (results, clusterRecords) = await ClusterRun.RunAsync(runner.Plan(spec), pipelinePath, variant.Overrides, variant.Index, store, runId, ClusterRun.BackendId(la), log, ct).ConfigureAwait(false);
                }
                else
                {
                    results = await LiveProgress.RunAsync(live, () => runner.RunAsync(spec, ct)).ConfigureAwait(false);
                }
                status = "completed";
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                status = "interrupted";
                throw;
            }
            catch (Exception e) when (ErrorLog.IsInternal(e))
            {
                // The full trace goes beside the failed run's manifest; the terminal gets one line naming it (Program.Guard).
                ErrorLog.Write(e, Path.Combine(dir, ErrorLog.RunFileName));
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
            var files = await BuildReportAsync(store, runDir, log, live, ct, spec.System?.Build()).ConfigureAwait(false);
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

    /// <summary>
    /// True when the store folder does not exist (the read-only commands then create nothing); a path that is a file
    /// (or another non-folder) is bad input.
    /// </summary>
    internal static bool StoreIsMissing(string storeRoot)
    {
        if (Directory.Exists(storeRoot))
        {
            return false;
        }

        if (File.Exists(storeRoot) || Path.Exists(storeRoot))
        {
            throw new InputException($"--store {Shown.Cut(storeRoot, 120)}: is a file, not a store folder");
        }

        return true;
    }

    public static int List(string storeRoot, TextWriter stdout)
    {
        if (StoreIsMissing(storeRoot))
        {
            stdout.WriteLine($"store {Path.GetFullPath(storeRoot)}: no such folder (no run has written a store there; see --store)");
            return Ok;
        }

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
            stdout.WriteLine($"  {id}  {m.Status}  {m.WallSeconds:F2} s{BestOf(m.Results)}");
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
        StoreIsMissing(storeRoot);
        var store = new ArtifactStore(storeRoot);
        var path = Path.Combine(ResolveRun(store, run), "manifest.json");
        var results = RunManifest.Read(path).Results;
        stdout.WriteLine(File.ReadAllText(path));
        stdout.WriteLine();
        stdout.WriteLine(ResultsTable.Format(results));
        return Ok;
    }

    /// <summary>Writes (or rewrites) a run's report from the store and prints where it is.</summary>
    public static async Task<int> ReportAsync(string storeRoot, string run, TextWriter stdout, ILogger log, CancellationToken ct, IAnsiConsole? live = null)
    {
        StoreIsMissing(storeRoot);
        var store = new ArtifactStore(storeRoot, w => log.Warning("{Warning}", w));
        var files = await BuildReportAsync(store, ResolveRun(store, run), log, live, ct).ConfigureAwait(false);
        await stdout.WriteLineAsync($"report: {files.HtmlPath}").ConfigureAwait(false);
        await stdout.WriteLineAsync($"        {files.MarkdownPath}").ConfigureAwait(false);
        return Ok;
    }

    /// <summary>The report, with a status line on the live display while it is drawn.</summary>
    private static Task<ReportFiles> BuildReportAsync(ArtifactStore store, string runDir, ILogger log, IAnsiConsole? live, CancellationToken ct,
        HamiltonianSystem? system = null) =>
        LiveProgress.RunAsync(live, async () =>
        {
            using var status = StageProgress.Begin("report", Path.GetFileName(runDir));
            return await RunReport.BuildAsync(store, runDir, log, ct, system).ConfigureAwait(false);
        });

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
        if (StoreIsMissing(storeRoot))
        {
            // Nothing to clean, and nothing created (a mistyped --store must not become a new, empty store).
            stdout.WriteLine($"store {Path.GetFullPath(storeRoot)}: no such folder; nothing to clean");
            return Ok;
        }

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
            keep.UnionWith(m.Stages.Select(st => st.Key));
        }

        // H-DNN pipelines (hnn hdnn) write no run manifest; each records its artifacts in hdnn/<name>/stages.json.
        var hdnnUnreadable = new List<(string Path, string Error)>();
        keep.UnionWith(HdnnPipeline.RecordedKeys(store.Root, hdnnUnreadable));
        if (hdnnUnreadable.Count > 0)
        {
            throw new InputException($"{hdnnUnreadable[0].Path}: {hdnnUnreadable[0].Error}; nothing removed (fix or delete that file, then clean again)");
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
        stdout.WriteLine($"removed {removed} file(s) not referenced by any of the run manifests in {Path.GetFullPath(store.RunsDirectory)} (nor by an H-DNN pipeline's hdnn/<name>/stages.json)");
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
    private static string BestOf(IReadOnlyList<ExperimentResult> results)
    {
        if (results.Count == 0)
        {
            return "";
        }

        var best = results.Where(r => r.Test is not null && double.IsFinite(r.Test.H)).OrderBy(r => r.Test.H).FirstOrDefault();
        return best is null
            ? $"  ({results.Count} experiments)"
            : $"  best {best.Method} w{best.Width.ToString(CultureInfo.InvariantCulture)}: test H {best.Test.H.ToString("0.00e+00", CultureInfo.InvariantCulture)} ({results.Count} experiments)";
    }

    /// <summary>The readable run manifests (id order); unreadable ones are listed in <paramref name="unreadable"/>.</summary>
    private static List<(string Id, RunManifest Manifest)> ReadManifests(ArtifactStore store, out List<(string Path, string Error)> unreadable)
    {
        var good = new List<(string, RunManifest)>();
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

            var (m, error) = RunManifest.TryRead(path);
            if (m is not null)
            {
                good.Add((Path.GetFileName(dir), m));
            }
            else
            {
                unreadable.Add((path, error!));
            }
        }

        return good;
    }

    /// <summary>The name as it appears in a run id: ASCII letters and digits, '-' and '_' (one byte per character).</summary>
    private static string Sanitize(string s) => new([.. s.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '-')]);
}
