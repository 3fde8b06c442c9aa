using System.Text;
using System.Text.Json;
using Hnn.Pipeline.Config;
using Hnn.Pipeline.Planning;
using Hnn.Pipeline.Store;
using Serilog;

namespace Hnn.Pipeline.Cli;

/// <summary>
/// <c>hnn plan &lt;pipeline&gt; [--json]</c>: the run's DAG without running it — every stage node with its key, its
/// inputs, and whether its artifacts are in the store (cached) or it would run. Reads the store, writes nothing.
/// </summary>
public static class PlanCommand
{
    /// <summary>A node's state against a store.</summary>
    public const string Cached = "cached", WouldRun = "run", KeyOnly = "key-only";

    public static int Run(string pipelinePath, IReadOnlyList<string> overrides, string? storeOverride, bool json, TextWriter stdout, ILogger log)
    {
        ArgumentNullException.ThrowIfNull(stdout);
        var spec = PipelineLoader.Load(pipelinePath, overrides);
        var storeRoot = storeOverride ?? spec.Run.Store;
        if (StorePolicy.Problem(storeRoot) is { } storeProblem)
        {
            // The store hnn run would refuse: a plan against it would show every node as to run.
            throw new InputException(storeOverride is not null ? $"--store: {storeProblem}" : $"{pipelinePath}: run.store: {storeProblem}");
        }

        var la = BlasKernel.Resolve(spec.Solver.Backend, log, out var note, out _);
        log.Information("{Note}", note);
        var plan = RunPlan.Build(spec, PlanFacts.Gather(spec, la.IsNative));
        var doc = Describe(plan, new ArtifactStore(storeRoot), la.IsNative ? "lapack" : "managed");
        stdout.WriteLine(json ? JsonSerializer.Serialize(doc, RunManifest.Json) : Text(doc));
        return Commands.Ok;
    }

    /// <summary>The plan against a store, as the JSON document of <c>hnn plan --json</c> (docs/SCHEMA.md).</summary>
    public static PlanDocument Describe(RunPlan plan, ArtifactStore store, string backend)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(store);
        var nodes = plan.Nodes.Select(n =>
        {
            var artifacts = n.Stage.Artifacts.Select(a => new PlanArtifact(a, store.Exists(a, n.Key))).ToList();
            var status = artifacts.Count == 0 ? KeyOnly : artifacts.All(a => a.Cached) ? Cached : WouldRun;
            return new PlanNode(n.Id, n.Stage.Name, n.Stage.Version, n.Key, n.Label, status,
                n.Parameters.Select(p => new PlanParameter(p.Key, p.Value)).ToList(), [.. n.Inputs.Select(i => i.Id)], artifacts);
        }).ToList();
        var experiments = plan.Experiments.Select(e => new PlanExperiment(e.Method.Name, e.Width, e.Data.Seed, e.ModelSeed,
            [.. e.Chain.Nodes.Select(n => n.Id)], e.Chain.Model.Id, e.Evaluate.Id,
            e.Rollouts.ToDictionary(r => Hnn.Stages.Rollout.Integrators.ToName(r.Integrator), r => r.Node.Id))).ToList();

        // data.trajectories: the trajectory experiments (model: the regularised fit; evaluate: the H errors on the uniform
        // test points, or without a system the held-out rollouts; rollouts: "held-out" -> the trajectory-rollout node).
        experiments.AddRange((plan.Trajectory?.Experiments ?? []).Select(e => new PlanExperiment(e.Method.Name, e.Width, e.Data.Seed, e.ModelSeed,
            [.. e.TrainingNodes.Select(n => n.Id)], e.Fit.Id, (e.Evaluate ?? e.Rollout).Id, new Dictionary<string, string> { ["held-out"] = e.Rollout.Id })));
        return new PlanDocument(plan.Spec.Name, Path.GetFullPath(plan.Spec.SourcePath), store.Root, backend,
            new PlanSummary(nodes.Count, nodes.Count(n => n.Status == Cached), nodes.Count(n => n.Status == WouldRun), nodes.Count(n => n.Status == KeyOnly)),
            nodes, experiments);
    }

    private static string Text(PlanDocument d)
    {
        var sb = new StringBuilder();
        sb.Append($"plan {d.Pipeline}: {d.Summary.Nodes} nodes, {d.Summary.Cached} cached, {d.Summary.ToRun} to run");
        sb.AppendLine($"{(d.Summary.KeyOnly > 0 ? $", {d.Summary.KeyOnly} key only" : "")} (store {d.Store}, backend {d.Backend})");
        var width = d.Nodes.Count == 0 ? 0 : d.Nodes.Max(n => n.Id.Length);
        foreach (var n in d.Nodes)
        {
            var inputs = n.Inputs.Count == 0 ? "" : $"  <- {string.Join(", ", n.Inputs)}";
            sb.AppendLine($"  {n.Status,-8} {n.Id.PadRight(width)}  {n.Label}{inputs}");
        }

        sb.AppendLine($"experiments ({d.Experiments.Count}):");
        foreach (var e in d.Experiments)
        {
            sb.AppendLine($"  {e.Method} width {e.Width} data seed {e.DataSeed} model seed {e.ModelSeed}: {string.Join(" -> ", e.Chain)} -> {e.Evaluate}");
        }

        return sb.ToString().TrimEnd();
    }
}

/// <summary><c>hnn plan --json</c>: the pipeline's DAG against a store.</summary>
public sealed record PlanDocument(
    string Pipeline, string Source, string Store, string Backend, PlanSummary Summary, IReadOnlyList<PlanNode> Nodes, IReadOnlyList<PlanExperiment> Experiments);

public sealed record PlanSummary(int Nodes, int Cached, int ToRun, int KeyOnly);

/// <summary>One node: id (stage/key), its key parameters in declaration order, its inputs' ids, and its artifacts' presence.</summary>
public sealed record PlanNode(
    string Id, string Stage, int Version, string Key, string Label, string Status,
    IReadOnlyList<PlanParameter> Params, IReadOnlyList<string> Inputs, IReadOnlyList<PlanArtifact> Artifacts);

public sealed record PlanParameter(string Name, string Value);

public sealed record PlanArtifact(string Stage, bool Cached);

/// <summary>One experiment: its training chain's node ids, the model node, the evaluation and the rollout per integrator.</summary>
public sealed record PlanExperiment(
    string Method, int Width, ulong DataSeed, ulong ModelSeed, IReadOnlyList<string> Chain, string Model, string Evaluate, IReadOnlyDictionary<string, string> Rollouts);
