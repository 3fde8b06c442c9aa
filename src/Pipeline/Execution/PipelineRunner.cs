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
            ? await CachedAsync(source, source.Label,
                () => Task.FromResult(DataFile.Read(spec.Data.File!)),
                Codecs.FromDataSet, t => Codecs.ToDataSet(t, dof), ct).ConfigureAwait(false)
            : await CachedAsync(source, label,
                () => Task.FromResult(DataGenerator.Sample(SystemOf(spec), spec.Domain!, node.Total, Rng.Derive(node.Seed, "generate"))),
                Codecs.FromDataSet, t => Codecs.ToDataSet(t, dof), ct).ConfigureAwait(false);
        if (data.Count != node.Total)
        {
            throw new InputException($"{spec.Data.File}: has {data.Count} rows now, {node.Total} when the run was planned; was it changed during the run?");
        }

        var split = await CachedAsync(node.Split!, label,
            () => Task.FromResult(DataSplit.Split(node.Total, node.TrainCount, Rng.Derive(node.Seed, "split"))),
            s => Codecs.FromSplit(s.Train, s.Test), Codecs.ToSplit, ct).ConfigureAwait(false);
        // With a file, rows beyond train + test (if data.train is given) are left out.
        var train = DataSplit.Take(data, split.Train);
        var test = DataSplit.Take(data, split.Test[..spec.Data.Test]);
        return new PreparedData(node, train, test);
    }

    private static HamiltonianSystem SystemOf(PipelineSpec spec) => spec.System!.Build();

    private async Task<ExperimentResult> RunExperimentAsync(RunPlan plan, ExperimentJob job, RolloutTruth? truth, CancellationToken ct)
    {
        var spec = plan.Spec;
        var anchor = plan.Anchor;
        if (job.Plan.Chain is AdamChain adam)
        {
            return await RunAdamAsync(spec, job, adam, anchor, truth, ct).ConfigureAwait(false);
        }

        if (job.Plan.Chain is HigChain hig)
        {
            return await RunHigAsync(spec, job, hig, anchor, truth, ct).ConfigureAwait(false);
        }

        var chain = (SampledChain)job.Plan.Chain;
        if (job.Data.Stream is not null)
        {
            return await RunStreamedExperimentAsync(spec, job, chain, anchor, truth, ct).ConfigureAwait(false);
        }

        var train = job.Data.Train;
        var label = job.Label;
        var access = InMemoryAccess(chain, train, job.Plan.Width, job.Plan.ModelSeed, Share(spec),
            (hidden, data) => FitAsync(spec, hidden, data, anchor, label, ct), ct);
        return await RunSampledAsync(spec, job, chain, anchor, truth, access, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// The in-memory data access of a sampled chain (the run's and `hnn bench`'s). A-SWIM's first stage is U-SWIM's
    /// (the same plan nodes, one artifact) — unless model.a_swim_first makes it cheaper: then it is a U-SWIM layer of its
    /// own on the first rows; the second stage always uses the whole training set.
    /// </summary>
    internal static SampledAccess InMemoryAccess(
        SampledChain chain, DataSet train, int width, ulong seed, int degree, Func<HiddenLayer, DataSet, Task<FitResult>> fit, CancellationToken ct)
    {
        var firstTrain = chain.FirstRows is { } rows ? FirstStageData(train, rows) : train;
        return new SampledAccess(
            () => Task.FromResult(chain.Method.Draw(firstTrain, chain.FirstWidth, seed, chain.ElmBias)),
            (hidden, isFirst) => fit(hidden, isFirst ? firstTrain : train),
            firstNetwork => Task.FromResult(SwimStages.Sample(train.X, ParallelChunks.Energy(firstNetwork, train.X, degree, ct), width, seed)));
    }

    /// <summary>How a sampled chain reaches its data (in memory or streamed): the three computations of its nodes.</summary>
    internal sealed record SampledAccess(
        Func<Task<HiddenLayer>> Sample,
        Func<HiddenLayer, bool, Task<FitResult>> Fit,
        Func<Network, Task<HiddenLayer>> Resample);

    /// <summary>
    /// The stage chain of a sampled method, whatever the data access: its plan's nodes (sample, fit; A-SWIM: resample
    /// and refit), then evaluation and rollouts; every node cached under its key.
    /// </summary>
    private async Task<ExperimentResult> RunSampledAsync(PipelineSpec spec, ExperimentJob job, SampledChain chain, Anchor anchor, RolloutTruth? truth, SampledAccess access, CancellationToken ct)
    {
        var mine = new List<StageRecord>();
        var fit = await RunChainAsync(chain, access, 2 * spec.Dof, new Caching(this, job.Label, mine, ct)).ConfigureAwait(false);
        return await EvaluateAndRollOutAsync(spec, job, fit.Network, fit.Rank, anchor, truth, mine, ct).ConfigureAwait(false);
    }

    /// <summary>Runs one node of a chain: the executor loads or computes and stores it; `hnn bench` computes and times it.</summary>
    internal interface INodeRunner
    {
        Task<T> RunAsync<T>(StageNode node, Func<Task<T>> compute, Func<T, Table> encode, Func<Table, T> decode);
    }

    private sealed class Caching(PipelineRunner runner, string label, List<StageRecord> sink, CancellationToken ct) : INodeRunner
    {
        public Task<T> RunAsync<T>(StageNode node, Func<Task<T>> compute, Func<T, Table> encode, Func<Table, T> decode) =>
            runner.CachedAsync(node, label, compute, encode, decode, ct, sink);
    }

    /// <summary>
    /// The sampled chain, written once: sample, fit, and for A-SWIM resample from the first fit's H and fit again.
    /// A run caches each node; `hnn bench` runs the same chain and times it.
    /// </summary>
    internal static async Task<FitResult> RunChainAsync(SampledChain chain, SampledAccess access, int dim, INodeRunner run)
    {
        ArgumentNullException.ThrowIfNull(chain);
        ArgumentNullException.ThrowIfNull(access);
        ArgumentNullException.ThrowIfNull(run);
        var hidden = await run.RunAsync(chain.Sample, access.Sample, h => Codecs.FromHiddenLayer(h), t => Codecs.ToHiddenLayer(t, dim)).ConfigureAwait(false);
        var fit = await run.RunAsync(chain.Fit, () => access.Fit(hidden, true), f => Codecs.FromNetwork(f.Network, f.Rank), t => ToFit(t, dim)).ConfigureAwait(false);
        if (chain.Resample is { } resampleNode)
        {
            var firstNetwork = fit.Network;
            var resampled = await run.RunAsync(resampleNode, () => access.Resample(firstNetwork), h => Codecs.FromHiddenLayer(h), t => Codecs.ToHiddenLayer(t, dim)).ConfigureAwait(false);
            fit = await run.RunAsync(chain.Refit!, () => access.Fit(resampled, false), f => Codecs.FromNetwork(f.Network, f.Rank), t => ToFit(t, dim)).ConfigureAwait(false);
        }

        return fit;
    }

    /// <summary>The stages after training, shared by every method: evaluation, then rollouts (if configured).</summary>
    private async Task<ExperimentResult> EvaluateAndRollOutAsync(
        PipelineSpec spec, ExperimentJob job, Network network, int rank, Anchor anchor, RolloutTruth? truth, List<StageRecord> mine, CancellationToken ct)
    {
        var e = job.Plan;
        var label = job.Label;
        var keys = ExperimentKeys.Training(e.Chain);
        keys[ExperimentKeys.Evaluate] = e.Evaluate.Key;
        var metrics = await CachedAsync(e.Evaluate, label,
            () => EvaluateAsync(spec, job.Data, network, ct),
            m => Codecs.FromMetrics(m.Item1, m.Item2), Codecs.ToMetrics, ct, mine).ConfigureAwait(false);

        var trainSeconds = mine.Where(r => e.Chain.Nodes.Any(n => n.Stage.Name == r.Stage && n.Key == r.Key)).Sum(r => r.ComputeSeconds);
        _log.ForContext("Stage", "evaluate").Information(
            rank >= 0 ? "{Label}: test rel. L2 error of H {TestH:0.00e+00} (train {TrainH:0.00e+00}), rank {Rank} of {Unknowns} unknowns" : "{Label}: test rel. L2 error of H {TestH:0.00e+00} (train {TrainH:0.00e+00})",
            label, metrics.Item2.H, metrics.Item1.H, rank, e.Width + 1);
        var rollouts = truth is null ? null : await RolloutAsync(truth, e, network, anchor.H0 - truth.Plan.System.Energy(anchor.X0), label, keys, mine, ct).ConfigureAwait(false);
        if (rollouts is not null)
        {
            _log.ForContext("Stage", "rollout").Information("{Label}: {Rollouts}", label, Describe(rollouts));
        }

        return new ExperimentResult(e.Method.Name, e.Width, e.Data.Seed, e.ModelSeed, trainSeconds, rank,
            metrics.Item1, metrics.Item2, mine.All(r => r.Cached), keys, rollouts);
    }

    private static async Task<(ErrorMetrics, ErrorMetrics)> EvaluateAsync(PipelineSpec spec, PreparedData data, Network network, CancellationToken ct)
    {
        if (data.Stream is { } s)
        {
            return (await ParallelChunks.EvaluateStreamedAsync(network, s.TrainAsync(ct), Share(spec), ct).ConfigureAwait(false),
                await ParallelChunks.EvaluateStreamedAsync(network, s.TestAsync(ct), Share(spec), ct).ConfigureAwait(false));
        }

        var (train, test) = (data.Train, data.Test);
        return (ParallelChunks.Evaluate(network, train.X, train.Dx, train.H, Share(spec), ct),
            ParallelChunks.Evaluate(network, test.X, test.Dx, test.H, Share(spec), ct));
    }

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

    private static FitResult ToFit(Table t, int dim)
    {
        var (n, rank) = Codecs.ToNetwork(t, dim);
        return new FitResult(n, rank);
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
            var value = decode(cached);
            var original = _store.ReadComputeSeconds(stage, key) ?? Codecs.Seconds(cached);
            Record(new StageRecord(stage, key, true, sw.Elapsed.TotalSeconds, original), sink);
            log.Information("{Stage} {Label}: cached {Key} (computed in {Seconds:F2} s, loaded in {Load:F3} s)", stage, label, key, original, sw.Elapsed.TotalSeconds);
            return value;
        }

        log.Debug("{Stage} {Label}: computing {Key}", stage, label, key);
        using var live = StageProgress.Begin(stage, label); // a status line while it runs, on a terminal (Cli/LiveProgress.cs)
        var result = await Task.Run(compute, ct).ConfigureAwait(false);
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
