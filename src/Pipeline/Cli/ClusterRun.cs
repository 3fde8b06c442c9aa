using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Hnn.Cluster;
using Orleans;
using Hnn.Pipeline.Config;
using Hnn.Pipeline.Execution;
using Hnn.Pipeline.Planning;
using Hnn.Pipeline.Store;
using Hnn.Stages.Numerics;
using Serilog;

namespace Hnn.Pipeline.Cli;

/// <summary>
/// The pipeline's side of the Orleans executor (<c>run.executor: orleans</c>): the coordinator sends every experiment of
/// a plan as a grain call (<see cref="ExperimentWork"/>: pipeline path, overrides, sweep variant, store, index) and the
/// silos run it with the ordinary executor on a one-experiment plan (<see cref="RunPlanSubset"/>) against the same
/// shared store. The coordinator then writes results and manifest exactly as a local run does.
/// </summary>
public static class ClusterRun
{
    /// <summary>The JSON a silo returns for one call: the experiment's result (none for the prepare call) and the stage records.</summary>
    public sealed record Outcome(ExperimentResult? Result, IReadOnlyList<StageRecord> Records, string Backend);

    /// <summary>
    /// Runs <paramref name="plan"/>'s experiments on the cluster of <c>run.cluster</c>: first one call for the data nodes
    /// and the true-H rollouts (shared by all experiments), then every experiment, run.parallelism calls in flight per silo. Returns the results in plan order and the stage records (each stage once, in call order).
    /// </summary>
    public static async Task<(IReadOnlyList<ExperimentResult> Results, IReadOnlyList<StageRecord> Records)> RunAsync(
        RunPlan plan, string pipelinePath, IReadOnlyList<string> overrides, int variant, ArtifactStore store, string runId, string backend, ILogger log, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(log);
        var spec = plan.Spec;
        var text = spec.Run.Cluster ?? ClusterAddress.Default.ToString();
        var address = ClusterAddress.TryParse(text, out var problem)
            ?? throw new InputException($"{pipelinePath}: run.cluster: {problem}; allowed: {ClusterAddress.Allowed}");
        var clog = log.ForContext("Stage", "cluster");
        Microsoft.Extensions.Hosting.IHost host;
        try
        {
            host = await ClusterHost.ConnectAsync(address, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new InputException($"{pipelinePath}: run.cluster: no silo answers at {address} ({OneLine(e.Message)}); start one with 'hnn silo' (README, \"Running on a cluster\")");
        }

        using (host)
        {
            var grains = ClusterHost.Client(host);
            var silos = await grains.GetGrain<Orleans.Runtime.IManagementGrain>(0).GetHosts(onlyActive: true).WaitAsync(ct).ConfigureAwait(false);
            clog.Information("cluster {Address}: {Silos} silo(s) ({List}); {Count} experiment(s), store {Store}",
                address, silos.Count, string.Join(", ", silos.Keys.Select(s => s.ToString()).Order(StringComparer.Ordinal)), plan.Experiments.Count, store.Root);
            var path = Path.GetFullPath(pipelinePath);
            var root = Path.GetFullPath(store.Root);
            var prepare = new ExperimentWork(path, [.. overrides], variant, root, ExperimentWork.Prepare, "");
            var work = plan.Experiments.Select((e, i) => new ExperimentWork(path, [.. overrides], variant, root, i, e.Evaluate.Id)).ToList();
            string Describe(ExperimentWork w) => w.Index == ExperimentWork.Prepare ? "data and true-H rollouts" : plan.Experiments[w.Index].Label;
            void Log(string line) => clog.Information("{Line}", line);

            var first = await ClusterDispatch.RunAsync(grains, runId, [prepare], 1, Describe, Log, ct).ConfigureAwait(false);
            var rest = await ClusterDispatch.RunAsync(grains, runId, work, spec.Run.Parallelism, Describe, Log, ct).ConfigureAwait(false);

            var outcomes = first.Concat(rest).Select(o => JsonSerializer.Deserialize<Outcome>(o.Json, RunManifest.Json)!).ToList();
            foreach (var o in outcomes.Where(o => o.Backend != backend).Take(1))
            {
                clog.Warning("a silo computed with {Silo}, this coordinator has {Mine}: the last digits may differ from a local run", o.Backend, backend);
            }

            var seen = new HashSet<(string, string)>();
            var records = outcomes.SelectMany(o => o.Records).Where(r => seen.Add((r.Stage, r.Key))).ToList();
            return ([.. outcomes.Skip(1).Select(o => o.Result!)], records);
        }
    }

    /// <summary>What fixes the last digits besides the config: the backend and, for OpenBLAS, its kernel.</summary>
    public static string BackendId(ILinearAlgebra la)
    {
        ArgumentNullException.ThrowIfNull(la);
        return la is LapackLinearAlgebra lapack ? $"{la.Name}, BLAS kernel {lapack.CoreName ?? "unknown"}" : la.Name;
    }

    private static string OneLine(string s) => s.Replace("\r", string.Empty, StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);
}

/// <summary>
/// What a silo does with an <see cref="ExperimentWork"/>: loads the pipeline variant, builds the plan on its backend,
/// checks the experiment's key against the coordinator's, and runs the one-experiment plan with the ordinary executor
/// under a shared lease of the store (so <c>hnn clean</c> waits for it).
/// </summary>
public sealed class PipelineWorker(ILogger log) : IExperimentWorker
{
    private readonly ConcurrentDictionary<string, (ILinearAlgebra La, string Note)> _backends = new(StringComparer.Ordinal);

    /// <summary>The stages attached to every experiment (tests add their own); by default the run's (<see cref="StageCatalog.ExperimentStages"/>).</summary>
    internal Func<IReadOnlyList<ExperimentStage>> Attached { get; init; } = () => StageCatalog.ExperimentStages;

    /// <summary>
    /// An internal failure (<see cref="ErrorLog.IsInternal"/>) that knows where it happened goes back as the one line the
    /// local executor prints (<see cref="ErrorLog.What"/>); the rest crosses as thrown.
    /// </summary>
    public string? Failure(Exception e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var inner = e is AggregateException { InnerExceptions.Count: > 0 } a ? a.InnerExceptions[0] : e;
        return ErrorLog.IsInternal(inner) && (inner is StageFailedException || StageFailedException.Where(inner) is not null) ? ErrorLog.What(inner) : null;
    }

    public async Task<string> RunAsync(ExperimentWork work, IGrainFactory grains, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(work);
        var variants = PipelineLoader.LoadSweep(work.PipelinePath, work.Overrides);
        if (work.Variant < 0 || work.Variant >= variants.Count)
        {
            throw new InputException($"{work.PipelinePath}: sweep variant {work.Variant} does not exist here ({variants.Count} variant(s)); is the pipeline file the coordinator's?");
        }

        var spec = variants[work.Variant].Spec;
        var (la, note) = _backends.GetOrAdd(spec.Solver.Backend, b =>
        {
            var l = BlasKernel.Resolve(b, log, out var n, out _, mayRestart: false);
            return (l, n);
        });
        var store = new ArtifactStore(work.StoreRoot, w => log.Warning("{Warning}", w));
        using var lease = store.AcquireRunLease();
        // run.distributed_fit: this silo coordinates each fit's TSQR, its lanes spread over the cluster.
        var runner = new PipelineRunner(store, la, log) { FitOffload = spec.Run.DistributedFit ? new ClusterFit(grains, la, log) : null };
        var plan = RunPlan.Build(spec, PlanFacts.Gather(spec, la.IsNative), Attached());
        RunPlan sub;
        if (work.Index == ExperimentWork.Prepare)
        {
            sub = plan.Only([], prepare: true);
        }
        else
        {
            if (work.Index < 0 || work.Index >= plan.Experiments.Count || plan.Experiments[work.Index].Evaluate.Id != work.ExpectedKey)
            {
                throw new InputException(string.Create(CultureInfo.InvariantCulture,
                    $"{work.PipelinePath}: experiment {work.Index} has another key on this silo than on the coordinator ({work.ExpectedKey}); the silo sees a different pipeline file, data file or backend ({note})"));
            }

            sub = plan.Only([work.Index]);
        }

        var results = await runner.RunAsync(sub, ct).ConfigureAwait(false);
        var outcome = new ClusterRun.Outcome(results.Count > 0 ? results[0] : null, [.. runner.Records], ClusterRun.BackendId(la));
        return JsonSerializer.Serialize(outcome, RunManifest.Json);
    }
}
