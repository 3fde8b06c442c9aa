using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Threading.Tasks.Dataflow;
using Hnn.Datasets;
using Hnn.Pipeline.Config;
using Hnn.Pipeline.Data;
using Hnn.Pipeline.Planning;
using Hnn.Pipeline.Store;
using Hnn.Stages.Evaluation;
using Hnn.Stages.Model;
using Hnn.Stages.Numerics;
using Hnn.Stages.Sampling;
using Hnn.Stages.Training;
using Serilog;

namespace Hnn.Pipeline.Execution;

/// <summary>
/// Compiles a validated <see cref="PipelineSpec"/> into TPL Dataflow blocks and runs it against an artifact store.
/// Data sets (generate, split) flow into a fan-out of experiments (method x width x seed) that run with bounded
/// parallelism; every stage output is cached in the store under its content key.
/// </summary>
public sealed partial class PipelineRunner
{
    private readonly ArtifactStore _store;
    private readonly ILinearAlgebra _la;
    private readonly ILogger _log;
    private readonly ConcurrentQueue<StageRecord> _records = new();
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _gates = new(StringComparer.Ordinal);

    public PipelineRunner(ArtifactStore store, ILinearAlgebra la, ILogger log)
    {
        _store = store;
        _la = la;
        _log = log;
    }

    public IReadOnlyCollection<StageRecord> Records => _records;

    /// <summary>The method name in results and keys.</summary>
    public const string AdamMethod = PipelineLoader.AdamMethod;

    /// <summary>The method name in results and keys.</summary>
    public const string HigMethod = PipelineLoader.HigMethod;

    /// <summary>The plan of <paramref name="spec"/> on this runner's backend (reads the facts it needs from the spec's files).</summary>
    public RunPlan Plan(PipelineSpec spec) => RunPlan.Build(spec, PlanFacts.Gather(spec, _la.IsNative));

    public Task<IReadOnlyList<ExperimentResult>> RunAsync(PipelineSpec spec, CancellationToken ct) => RunAsync(Plan(spec), ct);

    /// <summary>
    /// Runs a plan: its data nodes one data set at a time, the true-H rollouts once, then its experiments with
    /// bounded parallelism (run.parallelism), in plan order; the first fault of any block is the one surfaced.
    /// </summary>
    public async Task<IReadOnlyList<ExperimentResult>> RunAsync(RunPlan plan, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(plan);
        if (plan.Trajectory is not null)
        {
            return await RunTrajectoriesAsync(plan, ct).ConfigureAwait(false); // data.trajectories: PipelineRunner.Trajectory.cs
        }

        var spec = plan.Spec;
        var parallelism = spec.Run.Parallelism;
        var truth = plan.Truth is null ? null : await PrepareRolloutsAsync(plan.Truth, ct).ConfigureAwait(false);
        var results = new List<ExperimentResult>();
        var options = new ExecutionDataflowBlockOptions { CancellationToken = ct, BoundedCapacity = 1, MaxDegreeOfParallelism = 1 };
        var link = new DataflowLinkOptions { PropagateCompletion = true };

        var dataBlock = new TransformBlock<DataNode, PreparedData>(
            d => d.Streamed ? PrepareStreamedDataAsync(spec, d, ct) : PrepareDataAsync(spec, d, ct), options);
        var fanOut = new TransformManyBlock<PreparedData, ExperimentJob>(
            d => plan.Experiments.Where(e => e.Data == d.Node).Select(e => new ExperimentJob(d, e)),
            new ExecutionDataflowBlockOptions { CancellationToken = ct, BoundedCapacity = 1 });
        var experimentBlock = new TransformBlock<ExperimentJob, ExperimentResult>(
            job => RunExperimentAsync(plan, job, truth, ct),
            new ExecutionDataflowBlockOptions
            {
                CancellationToken = ct,
                MaxDegreeOfParallelism = parallelism,
                BoundedCapacity = parallelism,
                EnsureOrdered = true,
            });
        var collect = new ActionBlock<ExperimentResult>(results.Add, new ExecutionDataflowBlockOptions { CancellationToken = ct });

        dataBlock.LinkTo(fanOut, link);
        fanOut.LinkTo(experimentBlock, link);
        experimentBlock.LinkTo(collect, link);

        foreach (var d in plan.Data)
        {
            await dataBlock.SendAsync(d, ct).ConfigureAwait(false);
        }

        dataBlock.Complete();
        try
        {
            await collect.Completion.ConfigureAwait(false);
        }
        catch (Exception) when (FirstFault(dataBlock, fanOut, experimentBlock, collect) is { } first)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(first).Throw();
        }

        ct.ThrowIfCancellationRequested();
        return results;
    }

    private static Exception? FirstFault(params IDataflowBlock[] blocks)
    {
        foreach (var b in blocks)
        {
            if (b.Completion.IsFaulted && b.Completion.Exception is { } e)
            {
                var inner = e.Flatten().InnerExceptions;
                return inner.FirstOrDefault(x => x is not OperationCanceledException) ?? inner[0];
            }
        }

        return null;
    }

    /// <summary>
    /// One data set: in memory (train and test sets), or streamed from disk (<see cref="Stream"/>; then there are no
    /// in-memory sets).
    /// </summary>
    private sealed record PreparedData(DataNode Node, DataSet? InMemoryTrain, DataSet? InMemoryTest, StreamedData? Stream = null)
    {
        /// <summary>The data as the stages attached to an experiment read them.</summary>
        public ExperimentData View { get; } = new(InMemoryTrain, InMemoryTest, Stream);

        public DataSet Train => InMemoryTrain ?? throw new InvalidOperationException("the data are streamed: there is no in-memory training set");

        public DataSet Test => InMemoryTest ?? throw new InvalidOperationException("the data are streamed: there is no in-memory test set");
    }

    /// <summary>One experiment of the plan on its prepared data set.</summary>
    private sealed record ExperimentJob(PreparedData Data, ExperimentPlan Plan)
    {
        public string Label => Plan.Label;
    }

    private async Task<PreparedData> PrepareDataAsync(PipelineSpec spec, DataNode node, CancellationToken ct)
    {
        var dof = spec.Dof;
        var source = node.Source;
        var label = $"data seed {node.Seed}";
        var data = source.Stage == StageCatalog.Load
            ? await CachedAsync(source, source.Label, () => Task.FromResult(DataFile.Read(spec.Data.File!)), 2 * dof, ct).ConfigureAwait(false)
            : await CachedAsync(source, label,
                () => Task.FromResult(DataGenerator.Sample(SystemOf(spec), spec.Domain!, node.Total, Rng.Derive(node.Seed, "generate"))), 2 * dof, ct).ConfigureAwait(false);
        if (data.Count != node.Total)
        {
            throw new InputException($"{spec.Data.File}: has {data.Count} rows now, {node.Total} when the run was planned; was it changed during the run?");
        }

        var split = await CachedAsync(node.Split!, label,
            () => Task.FromResult(DataSplit.Split(node.Total, node.TrainCount, Rng.Derive(node.Seed, "split"))), 2 * dof, ct).ConfigureAwait(false);
        // With a file, rows beyond train + test (if data.train is given) are left out.
        var train = DataSplit.Take(data, split.Train);
        var test = DataSplit.Take(data, split.Test[..spec.Data.Test]);
        return new PreparedData(node, train, test);
    }

    private static HamiltonianSystem SystemOf(PipelineSpec spec) => spec.System!.Build();

    /// <summary>
    /// One experiment, whatever its method: its training chain's bound nodes walked by <see cref="RunNodesAsync"/>
    /// (the model: a fit's network and rank, or a trained network), then evaluation, rollouts and the attached stages.
    /// </summary>
    private async Task<ExperimentResult> RunExperimentAsync(RunPlan plan, ExperimentJob job, RolloutTruth? truth, CancellationToken ct)
    {
        var spec = plan.Spec;
        var anchor = plan.Anchor;
        var chain = job.Plan.Chain;
        var mine = new List<StageRecord>();
        var values = await RunNodesAsync(chain.Nodes, job.Plan.Data.Node, job.Data.View, RunOf(spec, job.Label, anchor, job.Data.Node, ct), 2 * spec.Dof,
            new Caching(this, job.Label, mine, ct)).ConfigureAwait(false);
        LogFinalLoss(chain.Model, values, job.Label);
        var (network, rank) = values[chain.Model.Id] switch
        {
            FitResult f => (f.Network, f.Rank),
            Network n => (n, -1),
            var v => throw new InvalidOperationException($"{chain.Model.Id}: a {v?.GetType().Name ?? "null"} is not a model"),
        };
        return await EvaluateAndRollOutAsync(spec, job, network, rank, anchor, truth, mine, ct).ConfigureAwait(false);
    }

    /// <summary>A node with a loss history among its artifacts (train, hig-train): its final loss in the log.</summary>
    private void LogFinalLoss(StageNode node, IReadOnlyDictionary<string, object?> values, string label)
    {
        foreach (var extra in node.Stage.Extra)
        {
            if (values.GetValueOrDefault(ExtraId(node, extra)) is (int[] steps, double[] loss) && loss.Length > 0)
            {
                _log.ForContext("Stage", node.Stage.Name).Information("{Label}: final training loss {Loss:0.00e+00} after {Steps} steps", label, loss[^1], steps[^1]);
            }
        }
    }

    /// <summary>
    /// The run's services for a node's compute; its fit reads the data access it is given: the in-memory training set
    /// (A-SWIM's cheaper first stage: its first rows) or the streamed artifact's training rows.
    /// </summary>
    private NodeRun RunOf(PipelineSpec spec, string label, Anchor anchor, DataNode node, CancellationToken ct) => new(_la, _log, Share(spec), label, ct)
    {
        Fit = (hidden, data, rows) => FitOffload is { } offload && spec.Solver.Mode != SolveMode.Full
            ? offload.FitAsync(new FitOffloadRequest(spec, hidden, RowsOf(node, data, rows), anchor, label), ct)
            : data.Stream is { } stream
            ? FitStreamedAsync(spec, hidden, stream, anchor, label, ct)
            : FitAsync(spec, hidden, rows is { } n ? FirstStageData(data.Train, n) : data.Train, anchor, label, ct),
    };

    /// <summary>
    /// Runs one node (or one of its further artifacts, <paramref name="artifact"/>): the executor loads or computes and
    /// stores it; `hnn bench` computes and times it.
    /// </summary>
    internal interface INodeRunner
    {
        Task<T> RunAsync<T>(StageNode node, Func<Task<T>> compute, Func<T, Table> encode, Func<Table, T> decode, string? artifact = null);
    }

    private sealed class Caching(PipelineRunner runner, string label, List<StageRecord> sink, CancellationToken ct) : INodeRunner
    {
        public Task<T> RunAsync<T>(StageNode node, Func<Task<T>> compute, Func<T, Table> encode, Func<Table, T> decode, string? artifact = null) =>
            runner.CachedAsync(node, label, compute, encode, decode, ct, sink, artifact);
    }

    /// <summary>Where <see cref="RunNodesAsync"/> keeps the value of a node's further artifact.</summary>
    internal static string ExtraId(StageNode node, string artifact) => $"{node.Id}#{artifact}";

    /// <summary>
    /// Walks bound nodes in plan order (a training chain: sample, fit, and for A-SWIM resample and refit; or adam's or
    /// hig's train node): each node's compute gets its inputs' values — the nodes run before it, and for
    /// <paramref name="dataNode"/> the data access <paramref name="data"/> — and <paramref name="runner"/> loads or
    /// computes it with its declaration's codec. A node with further artifacts (train's loss history) computes once for
    /// all of them; if only one is missing from the store, it computes again (its compute is deterministic) to restore
    /// it. A run caches each node; `hnn bench` walks the same nodes and times them. Returns every value by node id (a
    /// further artifact's by <see cref="ExtraId"/>).
    /// </summary>
    internal static async Task<IReadOnlyDictionary<string, object?>> RunNodesAsync(IEnumerable<StageNode> nodes, StageNode dataNode, ExperimentData data, NodeRun run, int dim, INodeRunner runner)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        ArgumentNullException.ThrowIfNull(dataNode);
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(runner);
        var values = new Dictionary<string, object?>(StringComparer.Ordinal) { [dataNode.Id] = data };
        foreach (var node in nodes)
        {
            var compute = node.Compute ?? throw new InvalidOperationException($"plan: {node.Id} has no bound compute");
            var inputs = node.Inputs.Select(i => values.TryGetValue(i.Id, out var v) ? v : throw new InvalidOperationException($"plan: {node.Id} reads {i.Id}, which has not run")).ToList();
            var stage = node.Stage;
            if (stage.Extra.Count == 0)
            {
                values[node.Id] = await runner.RunAsync(node, () => compute(run, inputs), stage.EncodeValue, t => stage.DecodeValue(t, dim)).ConfigureAwait(false);
                continue;
            }

            Task<object?>? once = null;
            async Task<StageOutputs> Outputs() => (await (once ??= compute(run, inputs)).ConfigureAwait(false)) as StageOutputs
                ?? throw new InvalidOperationException($"{node.Id}: a stage with further artifacts must compute its StageOutputs");
            values[node.Id] = await runner.RunAsync(node, async () => (await Outputs().ConfigureAwait(false)).Value, stage.EncodeValue, t => stage.DecodeValue(t, dim)).ConfigureAwait(false);
            for (var i = 0; i < stage.Extra.Count; i++)
            {
                var (k, codec) = (i, stage.ExtraCodecs[i]);
                values[ExtraId(node, stage.Extra[i])] = await runner.RunAsync(node, async () => (await Outputs().ConfigureAwait(false)).Extras[k], codec.Encode, t => codec.Decode(t, dim), stage.Extra[i]).ConfigureAwait(false);
            }
        }

        return values;
    }

    /// <summary>The stages after training, shared by every method: evaluation, then rollouts (if configured).</summary>
    private async Task<ExperimentResult> EvaluateAndRollOutAsync(
        PipelineSpec spec, ExperimentJob job, Network network, int rank, Anchor anchor, RolloutTruth? truth, List<StageRecord> mine, CancellationToken ct)
    {
        var e = job.Plan;
        var label = job.Label;
        var keys = ExperimentKeys.Training(e.Chain);
        keys[ExperimentKeys.Evaluate] = e.Evaluate.Key;
        var dim = 2 * spec.Dof;
        var run = new NodeRun(_la, _log, Share(spec), label, ct);
        var metrics = ((ErrorMetrics Train, ErrorMetrics Test))(await RunAttachedAsync(new AttachedNode(StageCatalog.Evaluation, e.Evaluate), network, job.Data.View, dim, run, mine).ConfigureAwait(false))!;

        var trainSeconds = mine.Where(r => e.Chain.Nodes.Any(n => n.Stage.Name == r.Stage && n.Key == r.Key)).Sum(r => r.ComputeSeconds);
        _log.ForContext("Stage", "evaluate").Information(
            rank >= 0 ? "{Label}: test rel. L2 error of H {TestH:0.00e+00} (train {TrainH:0.00e+00}), rank {Rank} of {Unknowns} unknowns" : "{Label}: test rel. L2 error of H {TestH:0.00e+00} (train {TrainH:0.00e+00})",
            label, metrics.Item2.H, metrics.Item1.H, rank, e.Width + 1);
        var rollouts = truth is null ? null : await RolloutAsync(truth, e, network, anchor.H0 - truth.Plan.System.Energy(anchor.X0), label, keys, mine, ct).ConfigureAwait(false);
        if (rollouts is not null)
        {
            _log.ForContext("Stage", "rollout").Information("{Label}: {Rollouts}", label, Describe(rollouts));
        }

        foreach (var a in e.Attached)
        {
            await RunAttachedAsync(a, network, job.Data.View, dim, run, mine).ConfigureAwait(false);
            keys[a.Node.Stage.Name] = a.Node.Key;
        }

        return new ExperimentResult(e.Method.Name, e.Width, e.Data.Seed, e.ModelSeed, trainSeconds, rank,
            metrics.Item1, metrics.Item2, mine.All(r => r.Cached), keys, rollouts);
    }

    /// <summary>
    /// A node of a stage attached to the experiment (evaluate, and <see cref="StageCatalog.ExperimentStages"/>): its
    /// bound compute over the model and the data, loaded or computed with its declaration's codec.
    /// </summary>
    private Task<object?> RunAttachedAsync(AttachedNode a, Network network, ExperimentData data, int dim, NodeRun run, List<StageRecord> mine) =>
        CachedAsync(a.Node, run.Label, () => a.Stage.ComputeAsync(network, data, run), a.Node.Stage.EncodeValue, t => a.Node.Stage.DecodeValue(t, dim), run.Ct, mine);

    private Task<FitResult> FitAsync(PipelineSpec spec, HiddenLayer hidden, DataSet train, Anchor anchor, string label, CancellationToken ct)
    {
        if (spec.Solver.Mode == SolveMode.Full)
        {
            return Task.FromResult(OutputLayer.Fit(_la.WithThreads(Budget(spec).SolveBlasThreads), hidden, train.X, train.Dx, anchor, spec.Model.Rcond, SolveMode.Full));
        }

        var progress = ThrottledProgress.Fit(_log.ForContext("Stage", "fit"), label, TimeSpan.FromSeconds(5));
        return ParallelFit.FitAsync(_la, hidden, train.X, train.Dx, anchor, spec.Model.Rcond, spec.Solver.ChunkRows, spec.Solver.Lanes, Budget(spec), progress, ct, truncation: spec.Solver.Truncation);
    }

    /// <summary>A-SWIM's cheaper first stage (<see cref="SampledChain.FirstRows"/>): the first rows of the training set (the split is a random permutation).</summary>
    public static DataSet FirstStageData(DataSet train, int rows) =>
        rows == train.Count ? train : DataSplit.Take(train, [.. Enumerable.Range(0, rows)]);

    /// <summary>The run's cores and BLAS threads (see <see cref="ComputeBudget"/>).</summary>
    public static ComputeBudget Budget(PipelineSpec spec) => ComputeBudget.ForMachine(spec.Run.Parallelism);

    /// <summary>Cores one experiment's parallel loops may use (scheduling only).</summary>
    private static int Share(PipelineSpec spec) => Budget(spec).ChunkDegree;

    private void Record(StageRecord record, List<StageRecord>? sink)
    {
        _records.Enqueue(record);
        sink?.Add(record);
    }

    private static StageCodec<T> CodecOf<T>(StageNode node) => node.Stage is StageDecl<T> d
        ? d.Codec
        : throw new InvalidOperationException($"stage {node.Stage.Name} declares no codec for {typeof(T).Name}");

    /// <summary>Loads or computes a node stored with its declaration's codec (<see cref="StageDecl{T}"/>).</summary>
    private Task<T> CachedAsync<T>(StageNode node, string label, Func<Task<T>> compute, int dim, CancellationToken ct, List<StageRecord>? sink = null)
    {
        var codec = CodecOf<T>(node);
        return CachedAsync(node, label, compute, codec.Encode, t => codec.Decode(t, dim), ct, sink);
    }

    /// <summary>
    /// Loads a node's output from the store or computes and stores it (<paramref name="artifact"/>: one of the node's
    /// further artifacts, e.g. train's loss). The compute time is kept beside the artifact
    /// (<see cref="ArtifactStore.WriteComputeSeconds"/>), not in it, so cached runs still report the original training
    /// time and the same inputs give byte-identical artifacts.
    /// </summary>
    private async Task<T> CachedAsync<T>(
        StageNode node, string label, Func<Task<T>> compute, Func<T, Table> encode, Func<Table, T> decode, CancellationToken ct, List<StageRecord>? sink = null, string? artifact = null)
    {
        var stage = artifact ?? node.Stage.Name;
        var key = node.Key;

        // Experiments running in parallel can share a node (A-SWIM's first stage is U-SWIM's): one computes it, the
        // others wait for it and then load it from the store.
        var gate = _gates.GetOrAdd($"{stage}/{key}", _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            return await LoadOrComputeAsync(stage, key, label, compute, encode, decode, ct, sink).ConfigureAwait(false);
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task<T> LoadOrComputeAsync<T>(
        string stage, string key, string label, Func<Task<T>> compute, Func<T, Table> encode, Func<Table, T> decode, CancellationToken ct, List<StageRecord>? sink)
    {
        ct.ThrowIfCancellationRequested();
        var log = _log.ForContext("Stage", stage);
        var sw = Stopwatch.StartNew();
        var cached = await _store.TryReadAsync(stage, key, ct).ConfigureAwait(false);
        if (cached is not null)
        {
            T value;
            try
            {
                value = decode(cached);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Sealed (so not a torn or edited file, which the store sets aside) but not what this stage's codec reads.
                throw StageFailedException.Decode(stage, label, _store.PathFor(stage, key), e);
            }

            var original = _store.ReadComputeSeconds(stage, key) ?? Codecs.Seconds(cached);
            Record(new StageRecord(stage, key, true, sw.Elapsed.TotalSeconds, original), sink);
            log.Information("{Stage} {Label}: cached {Key} (computed in {Seconds:F2} s, loaded in {Load:F3} s)", stage, label, key, original, sw.Elapsed.TotalSeconds);
            return value;
        }

        log.Debug("{Stage} {Label}: computing {Key}", stage, label, key);
        using var live = StageProgress.Begin(stage, label); // a status line while it runs, on a terminal (Cli/LiveProgress.cs)
        T result;
        try
        {
            result = await Task.Run(compute, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (StageFailedException.Note(e, stage, label, key))
        {
            throw; // never reached: Note only records where the exception came from (its type, and who catches it, stay)
        }

        var seconds = sw.Elapsed.TotalSeconds;
        var table = encode(result);
        var meta = new Dictionary<string, string>(table.Metadata) { ["hnn.stage"] = stage };
        await _store.WriteAsync(stage, key, table.WithMetadata(meta), ct).ConfigureAwait(false);
        _store.WriteComputeSeconds(stage, key, seconds);
        Record(new StageRecord(stage, key, false, sw.Elapsed.TotalSeconds, seconds), sink);
        log.Information("{Stage} {Label}: computed {Key} in {Seconds:F2} s", stage, label, key, seconds);
        return result;
    }
}
