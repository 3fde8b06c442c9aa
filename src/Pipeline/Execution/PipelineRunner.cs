using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Threading.Tasks.Dataflow;
using Hnn.Datasets;
using Hnn.Pipeline.Config;
using Hnn.Pipeline.Data;
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
    /// <summary>Bump a stage's version when its output for the same inputs changes.</summary>
    public static readonly IReadOnlyDictionary<string, int> StageVersions = new Dictionary<string, int>
    {
        ["generate"] = 1,
        ["load"] = 1,
        ["split"] = 1,
        ["sample"] = 1,
        ["fit"] = 2,
        ["resample"] = 1,
        ["evaluate"] = 1,
        ["train"] = 2, // 2: torch's default init (adam.init), torch 1.13's Adam rounding, adam.init_file
        ["loss"] = 2,
        ["reference"] = 1,
        ["rollout"] = 1,
        ["generate-stream"] = 1,
    };

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

    public async Task<IReadOnlyList<ExperimentResult>> RunAsync(PipelineSpec spec, CancellationToken ct)
    {
        var system = spec.System is null ? null : SystemRegistry.Create(spec.System.Name, spec.System.Parameters);
        var x0 = spec.Anchor.X0.ToArray();
        var anchor = new Anchor(x0, spec.Anchor.H0 ?? system!.Energy(x0));
        var parallelism = spec.Run.Parallelism;

        var plan = spec.Rollout is null ? null : await PrepareRolloutsAsync(spec, system!, ct).ConfigureAwait(false);
        var results = new List<ExperimentResult>();
        var options = new ExecutionDataflowBlockOptions { CancellationToken = ct, BoundedCapacity = 1, MaxDegreeOfParallelism = 1 };
        var link = new DataflowLinkOptions { PropagateCompletion = true };

        var dataBlock = new TransformBlock<ulong, PreparedData>(
            seed => spec.Data.Streamed ? PrepareStreamedDataAsync(spec, system!, seed, ct) : PrepareDataAsync(spec, system, seed, ct), options);
        var fanOut = new TransformManyBlock<PreparedData, ExperimentJob>(
            d => Experiments(spec, d),
            new ExecutionDataflowBlockOptions { CancellationToken = ct, BoundedCapacity = 1 });
        var experimentBlock = new TransformBlock<ExperimentJob, ExperimentResult>(
            job => RunExperimentAsync(spec, job, anchor, plan, ct),
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

        foreach (var seed in spec.Data.Seeds)
        {
            await dataBlock.SendAsync(seed, ct).ConfigureAwait(false);
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
    /// One data set: in memory (train and test sets), or streamed from disk (<see cref="Stream"/>; then
    /// <see cref="SplitKey"/> is the key of the generated artifact and there are no in-memory sets).
    /// </summary>
    private sealed record PreparedData(ulong Seed, string SplitKey, DataSet? InMemoryTrain, DataSet? InMemoryTest, StreamedData? Stream = null)
    {
        public DataSet Train => InMemoryTrain ?? throw new InvalidOperationException("the data are streamed: there is no in-memory training set");

        public DataSet Test => InMemoryTest ?? throw new InvalidOperationException("the data are streamed: there is no in-memory test set");

        public int TrainCount => Stream?.TrainRows ?? Train.Count;
    }

    /// <summary>One experiment; <see cref="Adam"/> marks the gradient-trained baseline (then Method is unused).</summary>
    private sealed record ExperimentJob(PreparedData Data, SamplingMethod Method, int Width, ulong ModelSeed, bool Adam = false);

    private static IEnumerable<ExperimentJob> Experiments(PipelineSpec spec, PreparedData data)
    {
        foreach (var width in spec.Model.Widths)
        {
            foreach (var seed in spec.Model.Seeds)
            {
                foreach (var method in spec.Model.Methods)
                {
                    yield return new ExperimentJob(data, method, width, seed);
                }

                if (spec.Adam is not null)
                {
                    yield return new ExperimentJob(data, default, width, seed, Adam: true);
                }
            }
        }
    }

    private async Task<PreparedData> PrepareDataAsync(PipelineSpec spec, HamiltonianSystem? system, ulong seed, CancellationToken ct)
    {
        var dof = spec.Dof;
        DataSet data;
        string genKey;
        int total, trainCount;
        if (spec.Data.File is { } file)
        {
            (data, genKey) = await LoadFileAsync(file, dof, ct).ConfigureAwait(false);
            total = data.Count;
            trainCount = spec.Data.Train > 0 ? spec.Data.Train : total - spec.Data.Test;
            if (trainCount < 2 || trainCount + spec.Data.Test > total)
            {
                throw new InputException(
                    $"{file}: {total} rows cannot give data.train = {(spec.Data.Train > 0 ? spec.Data.Train : trainCount)} and data.test = {spec.Data.Test} (need train >= 2 and train + test <= rows)");
            }
        }
        else
        {
            trainCount = spec.Data.Train;
            total = spec.Data.Train + spec.Data.Test;
            (data, genKey) = await GenerateAsync(spec, system!, seed, total, ct).ConfigureAwait(false);
        }

        var splitKey = CacheKey.Compute("split", StageVersions["split"],
        [
            new("train", CacheKey.Canon(trainCount)),
            new("test", CacheKey.Canon(spec.Data.Test)),
            new("seed", seed.ToString(CultureInfo.InvariantCulture)),
        ], [genKey]);
        var split = await CachedAsync("split", splitKey, $"data seed {seed}",
            () => Task.FromResult(DataSplit.Split(total, trainCount, Rng.Derive(seed, "split"))),
            s => Codecs.FromSplit(s.Train, s.Test), Codecs.ToSplit, ct).ConfigureAwait(false);
        // With a file, rows beyond train + test (if data.train is given) are left out.
        var train = DataSplit.Take(data, split.Train);
        var test = DataSplit.Take(data, split.Test[..spec.Data.Test]);
        return new PreparedData(seed, splitKey, train, test);
    }

    /// <summary>Loads a user data file; its key is the SHA-256 of its bytes, so an edited file is reloaded.</summary>
    private async Task<(DataSet, string)> LoadFileAsync(string file, int dof, CancellationToken ct)
    {
        var key = CacheKey.Compute("load", StageVersions["load"], [new("sha256", DataFile.ContentHash(file))], []);
        var data = await CachedAsync("load", key, Path.GetFileName(file),
            () => Task.FromResult(DataFile.Read(file)),
            Codecs.FromDataSet, t => Codecs.ToDataSet(t, dof), ct).ConfigureAwait(false);
        return (data, key);
    }

    /// <summary>What generated data depend on: the system and its parameters, the domain, the row count and the seed.</summary>
    private static List<KeyValuePair<string, string>> GenerateParams(HamiltonianSystem system, Domain domain, int total, ulong seed) =>
    [
        new("system", system.Name),
        .. system.Parameters.Select(p => new KeyValuePair<string, string>($"system.{p.Key}", CacheKey.Canon(p.Value))),
        new("domain.q", string.Join(";", domain.Q.Select(i => CacheKey.Canon([i.Lower, i.Upper])))),
        new("domain.p", string.Join(";", domain.P.Select(i => CacheKey.Canon([i.Lower, i.Upper])))),
        new("count", CacheKey.Canon(total)),
        new("seed", seed.ToString(CultureInfo.InvariantCulture)),
    ];

    private async Task<(DataSet, string)> GenerateAsync(PipelineSpec spec, HamiltonianSystem system, ulong seed, int total, CancellationToken ct)
    {
        var domain = spec.Domain!;
        var genKey = CacheKey.Compute("generate", StageVersions["generate"], GenerateParams(system, domain, total, seed), []);
        var data = await CachedAsync("generate", genKey, $"data seed {seed}",
            () => Task.FromResult(DataGenerator.Sample(system, domain, total, Rng.Derive(seed, "generate"))),
            Codecs.FromDataSet, t => Codecs.ToDataSet(t, system.Dof), ct).ConfigureAwait(false);
        return (data, genKey);
    }

    private async Task<ExperimentResult> RunExperimentAsync(PipelineSpec spec, ExperimentJob job, Anchor anchor, RolloutPlan? plan, CancellationToken ct)
    {
        if (job.Adam)
        {
            return await RunAdamAsync(spec, job, anchor, plan, ct).ConfigureAwait(false);
        }

        if (job.Data.Stream is not null)
        {
            return await RunStreamedExperimentAsync(spec, job, anchor, plan, ct).ConfigureAwait(false);
        }

        var train = job.Data.Train;
        var label = Label(job);

        // A-SWIM starts from the U-SWIM layer of the same seed (same key, shared artifact) — unless its first stage is
        // made cheaper with model.a_swim_first, then it is a U-SWIM layer of its own on a subset of the rows.
        var (biasLow, biasHigh) = spec.Model.ElmBias ?? DefaultElmBias(spec.Domain, train);
        var first = spec.Model.ASwimFirst;
        var reduced = job.Method == SamplingMethod.ASwim && !first.IsFull;
        var firstTrain = reduced ? FirstStageData(train, first.TrainFraction) : train;
        var firstWidth = reduced ? FirstStageWidth(job.Width, first.WidthFraction) : job.Width;
        List<KeyValuePair<string, string>> rows = reduced ? [new("rows", CacheKey.Canon(firstTrain.Count))] : [];
        var access = new SampledAccess(
            firstWidth,
            [.. (job.Method == SamplingMethod.Elm ? [new KeyValuePair<string, string>("bias", CacheKey.Canon([biasLow, biasHigh]))] : Array.Empty<KeyValuePair<string, string>>()), .. rows],
            rows,
            [],
            method => Task.FromResult(SampleHidden(method, firstTrain, firstWidth, job.ModelSeed, biasLow, biasHigh)),
            (hidden, isFirst) => FitAsync(spec, hidden, isFirst ? firstTrain : train, anchor, label, ct),
            firstNetwork => Task.FromResult(SwimStages.Sample(train.X, ParallelChunks.Energy(firstNetwork, train.X, Share(spec), ct), job.Width, job.ModelSeed)));
        return await RunSampledAsync(spec, job, anchor, plan, access, ct).ConfigureAwait(false);
    }

    private static string Label(ExperimentJob job) => $"{job.Method.ToName()} width {job.Width} seed {job.ModelSeed}";

    /// <summary>
    /// How a sampled experiment reaches its data (in memory or streamed): the first stage's width, what the data access
    /// adds to the sample, first-fit and resample keys, and the three computations.
    /// </summary>
    private sealed record SampledAccess(
        int FirstWidth,
        IReadOnlyList<KeyValuePair<string, string>> SampleParams,
        IReadOnlyList<KeyValuePair<string, string>> FirstFitParams,
        IReadOnlyList<KeyValuePair<string, string>> ResampleParams,
        Func<SamplingMethod, Task<HiddenLayer>> Sample,
        Func<HiddenLayer, bool, Task<FitResult>> Fit,
        Func<Network, Task<HiddenLayer>> Resample);

    /// <summary>
    /// The stage chain of a sampled method, whatever the data access: sample (A-SWIM: its U-SWIM first stage), fit,
    /// for A-SWIM resample and fit again, then evaluation and rollouts; every stage cached under a chained key.
    /// </summary>
    private async Task<ExperimentResult> RunSampledAsync(PipelineSpec spec, ExperimentJob job, Anchor anchor, RolloutPlan? plan, SampledAccess access, CancellationToken ct)
    {
        var label = Label(job);
        var dim = 2 * spec.Dof;
        var keys = new Dictionary<string, string>();
        var mine = new List<StageRecord>();
        var fitParams = FitParams(spec, job, anchor);
        var sampleMethod = job.Method == SamplingMethod.ASwim ? SamplingMethod.USwim : job.Method;
        var sampleKey = CacheKey.Compute("sample", StageVersions["sample"],
        [
            new("method", sampleMethod.ToName()),
            new("width", CacheKey.Canon(access.FirstWidth)),
            new("seed", job.ModelSeed.ToString(CultureInfo.InvariantCulture)),
            .. access.SampleParams,
        ], [job.Data.SplitKey]);
        keys["sample"] = sampleKey;
        var hidden = await CachedAsync("sample", sampleKey, label,
            () => access.Sample(sampleMethod),
            h => Codecs.FromHiddenLayer(h), t => Codecs.ToHiddenLayer(t, dim), ct, mine).ConfigureAwait(false);

        var fitKey = CacheKey.Compute("fit", StageVersions["fit"], [.. fitParams, .. access.FirstFitParams], [sampleKey, job.Data.SplitKey]);
        keys["fit"] = fitKey;
        var fit = await CachedAsync("fit", fitKey, label,
            () => access.Fit(hidden, true),
            f => Codecs.FromNetwork(f.Network, f.Rank), t => ToFit(t, dim), ct, mine).ConfigureAwait(false);

        if (job.Method == SamplingMethod.ASwim)
        {
            var resampleKey = CacheKey.Compute("resample", StageVersions["resample"],
                [new("method", "a-swim"), new("width", CacheKey.Canon(job.Width)), new("seed", job.ModelSeed.ToString(CultureInfo.InvariantCulture)), .. access.ResampleParams],
                [fitKey, job.Data.SplitKey]);
            keys["resample"] = resampleKey;
            var firstNetwork = fit.Network;
            var resampled = await CachedAsync("resample", resampleKey, label,
                () => access.Resample(firstNetwork),
                h => Codecs.FromHiddenLayer(h), t => Codecs.ToHiddenLayer(t, dim), ct, mine).ConfigureAwait(false);
            fitKey = CacheKey.Compute("fit", StageVersions["fit"], fitParams, [resampleKey, job.Data.SplitKey]);
            keys["fit2"] = fitKey;
            fit = await CachedAsync("fit", fitKey, label,
                () => access.Fit(resampled, false),
                f => Codecs.FromNetwork(f.Network, f.Rank), t => ToFit(t, dim), ct, mine).ConfigureAwait(false);
        }

        return await EvaluateAndRollOutAsync(spec, job, job.Method.ToName(), fit.Network, fit.Rank, fitKey, anchor, plan, label, keys, mine, ct).ConfigureAwait(false);
    }

    private KeyValuePair<string, string>[] FitParams(PipelineSpec spec, ExperimentJob job, Anchor anchor) =>
    [
        new("rcond", CacheKey.Canon(spec.Model.Rcond)),
        new("mode", spec.Solver.Mode.ToString()),
        new("backend", _la.IsNative ? "lapack" : "managed"),
        new("chunk_rows", spec.Solver.Mode == SolveMode.Full ? "-" : CacheKey.Canon(spec.Solver.ChunkRows)),
        new("lanes", spec.Solver.Mode == SolveMode.Full ? "-" : CacheKey.Canon(ParallelFit.EffectiveLanes(spec.Solver.Lanes, job.Data.TrainCount, spec.Solver.ChunkRows))),
        new("x0", CacheKey.Canon(anchor.X0)),
        new("h0", CacheKey.Canon(anchor.H0)),
        .. TruncationParams(spec),
    ];

    /// <summary>The truncation enters the fit key only when it is not the default, so keys written before stay valid.</summary>
    private static KeyValuePair<string, string>[] TruncationParams(PipelineSpec spec) =>
        spec.Solver.Truncation.IsDefault ? [] : [new("truncation", spec.Solver.Truncation.Name)];

    /// <summary>The stages after training, shared by every method: evaluation, then rollouts (if configured).</summary>
    private async Task<ExperimentResult> EvaluateAndRollOutAsync(
        PipelineSpec spec, ExperimentJob job, string method, Network network, int rank, string modelKey, Anchor anchor, RolloutPlan? plan,
        string label, Dictionary<string, string> keys, List<StageRecord> mine, CancellationToken ct)
    {
        var evalKey = CacheKey.Compute("evaluate", StageVersions["evaluate"], [], [modelKey, job.Data.SplitKey]);
        keys["evaluate"] = evalKey;
        var metrics = await CachedAsync("evaluate", evalKey, label,
            () => EvaluateAsync(spec, job.Data, network, ct),
            m => Codecs.FromMetrics(m.Item1, m.Item2), Codecs.ToMetrics, ct, mine).ConfigureAwait(false);

        var trainSeconds = mine.Where(r => r.Stage is "sample" or "fit" or "resample" or "train").Sum(r => r.ComputeSeconds);
        _log.ForContext("Stage", "evaluate").Information(
            rank >= 0 ? "{Label}: test rel. L2 error of H {TestH:0.00e+00} (train {TrainH:0.00e+00}), rank {Rank} of {Unknowns} unknowns" : "{Label}: test rel. L2 error of H {TestH:0.00e+00} (train {TrainH:0.00e+00})",
            label, metrics.Item2.H, metrics.Item1.H, rank, job.Width + 1);
        var rollouts = plan is null ? null : await RolloutAsync(plan, network, anchor.H0 - plan.System.Energy(anchor.X0), modelKey, label, keys, mine, ct).ConfigureAwait(false);
        if (rollouts is not null)
        {
            _log.ForContext("Stage", "rollout").Information("{Label}: {Rollouts}", label, Describe(rollouts));
        }

        return new ExperimentResult(method, job.Width, job.Data.Seed, job.ModelSeed, trainSeconds, rank,
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

    /// <summary>ELM bias default (docs/ALGORITHM.md §2.1): [min, max] over all domain limits; without a domain, over the training data.</summary>
    public static (double Low, double High) DefaultElmBias(Domain? domain, DataSet train) =>
        domain is not null
            ? (domain.MinLimit, domain.MaxLimit)
            : (train.X.Min(c => c.Min()), train.X.Max(c => c.Max()));

    /// <summary>A-SWIM's cheaper first stage: the first ceil(fraction K) training rows (the split is a random permutation).</summary>
    public static DataSet FirstStageData(DataSet train, double fraction)
    {
        var rows = Math.Clamp((int)Math.Ceiling(fraction * train.Count), 2, train.Count);
        return rows == train.Count ? train : DataSplit.Take(train, [.. Enumerable.Range(0, rows)]);
    }

    /// <summary>A-SWIM's cheaper first stage: round(fraction N) neurons, at least 1.</summary>
    public static int FirstStageWidth(int width, double fraction) => Math.Clamp((int)Math.Round(fraction * width), 1, width);

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
    /// The first hidden layer of a method: ELM, U-SWIM (also A-SWIM's first stage) or SWIM, with the seeds every run
    /// and `hnn bench` use.
    /// </summary>
    public static HiddenLayer SampleHidden(SamplingMethod method, DataSet train, int width, ulong seed, double biasLow, double biasHigh) =>
        method switch
        {
            SamplingMethod.Elm => ElmSampler.Sample(2 * train.Dof, width, biasLow, biasHigh, Rng.Derive(seed, "elm")),
            SamplingMethod.USwim or SamplingMethod.ASwim => SwimStages.Sample(train.X, null, width, seed),
            SamplingMethod.Swim => SwimStages.Sample(train.X, train.H, width, seed),
            _ => throw new ArgumentOutOfRangeException(nameof(method), method, null),
        };

    /// <summary>
    /// Loads a stage output from the store or computes and stores it. The compute time is kept beside the artifact
    /// (<see cref="ArtifactStore.WriteComputeSeconds"/>), not in it, so cached runs still report the original training
    /// time and the same inputs give byte-identical artifacts.
    /// </summary>
    private async Task<T> CachedAsync<T>(
        string stage, string key, string label, Func<Task<T>> compute, Func<T, Table> encode, Func<Table, T> decode, CancellationToken ct, List<StageRecord>? sink = null)
    {
        // Experiments running in parallel can share a stage (A-SWIM's first stage is U-SWIM's): one computes it, the
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
