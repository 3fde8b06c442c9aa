using Hnn.Datasets;
using Hnn.Pipeline.Execution;
using Hnn.Pipeline.Store;
using Hnn.Stages.Evaluation;
using Hnn.Stages.Model;
using Hnn.Stages.Rollout;
using Hnn.Stages.Training;

namespace Hnn.Pipeline.Planning;

/// <summary>
/// A stage's declaration: its name (the artifact folder in the store), its version (bumped when its output for the
/// same inputs changes, which changes every key it reaches), and the other artifacts it writes under its own key.
/// <see cref="Stored"/> is false for a stage that only names its inputs in downstream keys (<c>system</c>). A stage
/// stored as a table declares its codec (<see cref="StageDecl{T}"/>); the executor encodes and decodes with it.
/// </summary>
public record StageDecl(string Name, int Version, bool Stored = true)
{
    /// <summary>Further artifacts one computation of this stage writes under the same key (train: its loss history).</summary>
    public IReadOnlyList<string> Extra { get; init; } = [];

    /// <summary>The codecs of <see cref="Extra"/>, in its order (a node's compute returns them in <see cref="StageOutputs.Extras"/>).</summary>
    public IReadOnlyList<StageCodec<object?>> ExtraCodecs { get; init; } = [];

    /// <summary>Every artifact (stage folder) a node of this stage owns: its own, then <see cref="Extra"/>.</summary>
    public IEnumerable<string> Artifacts => Stored ? [Name, .. Extra] : [];

    /// <summary>A value of this stage as its table (the executor's generic path; <see cref="StageDecl{T}"/> has the codec).</summary>
    public virtual Table EncodeValue(object? value) => throw new InvalidOperationException($"stage {Name} declares no codec");

    /// <summary>This stage's table as its value (<paramref name="dim"/>: 2 x dof).</summary>
    public virtual object? DecodeValue(Table table, int dim) => throw new InvalidOperationException($"stage {Name} declares no codec");
}

/// <summary>A stage stored as one table: its output type's codec (<see cref="Codecs"/>).</summary>
public sealed record StageDecl<T>(string Name, int Version, StageCodec<T> Codec) : StageDecl(Name, Version)
{
    public override Table EncodeValue(object? value) => Codec.Encode(value is T t ? t : throw new InvalidOperationException($"stage {Name}: a {value?.GetType().Name ?? "null"} is not its output ({typeof(T).Name})"));

    public override object? DecodeValue(Table table, int dim) => Codec.Decode(table, dim);
}

/// <summary>
/// A stage output to and from the store's <see cref="Table"/>; <see cref="Decode"/> also gets the dimension of the
/// state (2 x dof), which the tables of hidden layers, networks, data sets and trajectories need.
/// </summary>
public sealed record StageCodec<T>(Func<T, Table> Encode, Func<Table, int, T> Decode)
{
    /// <summary>This codec over untyped values (an extra artifact's, <see cref="StageDecl.ExtraCodecs"/>).</summary>
    public StageCodec<object?> Boxed() => new(v => Encode(v is T t ? t : throw new InvalidOperationException($"a {v?.GetType().Name ?? "null"} is not a {typeof(T).Name}")), (t, dim) => Decode(t, dim));
}

/// <summary>The codecs of the declared stages (the column layouts are <see cref="Codecs"/>').</summary>
public static class StageCodecs
{
    public static StageCodec<DataSet> DataSet { get; } = new(Codecs.FromDataSet, (t, dim) => Codecs.ToDataSet(t, dim / 2));

    public static StageCodec<(int[] Train, int[] Test)> Split { get; } = new(s => Codecs.FromSplit(s.Train, s.Test), (t, _) => Codecs.ToSplit(t));

    public static StageCodec<HiddenLayer> HiddenLayer { get; } = new(h => Codecs.FromHiddenLayer(h), Codecs.ToHiddenLayer);

    /// <summary>A fit: the network and the rank of its solve.</summary>
    public static StageCodec<FitResult> Fit { get; } = new(f => Codecs.FromNetwork(f.Network, f.Rank), (t, dim) =>
    {
        var (n, rank) = Codecs.ToNetwork(t, dim);
        return new FitResult(n, rank);
    });

    /// <summary>A gradient-trained network (no rank: -1 in the table).</summary>
    public static StageCodec<Network> Network { get; } = new(n => Codecs.FromNetwork(n, -1), (t, dim) => Codecs.ToNetwork(t, dim).Network);

    /// <summary>A loss history (train's and hig-train's extra artifact).</summary>
    public static StageCodec<(int[] Steps, double[] Loss)> Loss { get; } = new(l => Codecs.FromLoss(l.Steps, l.Loss), (t, _) => Codecs.ToLoss(t));

    public static StageCodec<(ErrorMetrics Train, ErrorMetrics Test)> Metrics { get; } = new(m => Codecs.FromMetrics(m.Train, m.Test), (t, _) => Codecs.ToMetrics(t));

    public static StageCodec<Trajectory> Trajectory { get; } = new(Codecs.FromTrajectory, Codecs.ToTrajectory);
}

/// <summary>The stage declarations, each once: the only place a stage name or version is written.</summary>
public static class StageCatalog
{
    public static StageDecl<DataSet> Generate { get; } = new("generate", 1, StageCodecs.DataSet);

    public static StageDecl<DataSet> Load { get; } = new("load", 1, StageCodecs.DataSet);

    public static StageDecl<(int[] Train, int[] Test)> Split { get; } = new("split", 1, StageCodecs.Split);

    /// <summary>Written in chunks and read in chunks (larger than memory): the streamed data node, not a table.</summary>
    public static StageDecl GenerateStream { get; } = new("generate-stream", 1);

    public static StageDecl<HiddenLayer> Sample { get; } = new("sample", 1, StageCodecs.HiddenLayer);

    public static StageDecl<FitResult> Fit { get; } = new("fit", 2, StageCodecs.Fit);

    public static StageDecl<HiddenLayer> Resample { get; } = new("resample", 1, StageCodecs.HiddenLayer);

    public static StageDecl<(ErrorMetrics Train, ErrorMetrics Test)> Evaluate { get; } = new("evaluate", 1, StageCodecs.Metrics);

    /// <summary>2: torch's default init (adam.init), torch 1.13's Adam rounding, adam.init_file. Writes its loss history as <c>loss</c> under its key.</summary>
    public static StageDecl<Network> Train { get; } = new("train", 2, StageCodecs.Network) { Extra = ["loss"], ExtraCodecs = [StageCodecs.Loss.Boxed()] };

    /// <summary>The HIG-trained baseline (method hig): the network, and its loss history as <c>hig-loss</c> under its key.</summary>
    public static StageDecl<Network> HigTrain { get; } = new("hig-train", 1, StageCodecs.Network) { Extra = ["hig-loss"], ExtraCodecs = [StageCodecs.Loss.Boxed()] };

    /// <summary>The true system (name and parameters): a key only, the input of the true-H rollouts.</summary>
    public static StageDecl System { get; } = new("system", 1, Stored: false);

    public static StageDecl<Trajectory> Reference { get; } = new("reference", 1, StageCodecs.Trajectory);

    public static StageDecl<Trajectory> Rollout { get; } = new("rollout", 1, StageCodecs.Trajectory);

    /// <summary>
    /// The test and training errors of H, grad H and x' of every experiment's model: a stage attached to each
    /// experiment (<see cref="ExperimentStage"/>), reading the model and the data set.
    /// </summary>
    public static ExperimentStage<(ErrorMetrics Train, ErrorMetrics Test)> Evaluation { get; } =
        new(Evaluate, _ => [], (model, data, run) => ExperimentData.EvaluateAsync(model, data, run.Degree, run.Ct));

    /// <summary>
    /// Further stages attached to every experiment after its evaluation and rollouts, in this order: a diagnostic of
    /// the trained model is its pure module in src/Stages, one <see cref="ExperimentStage{T}"/> here (name, version,
    /// codec, key parameters, compute over the model and the data) and its tests. None are declared yet.
    /// </summary>
    public static IReadOnlyList<ExperimentStage> ExperimentStages { get; } = [];

    /// <summary>Observed trajectories (data.trajectories): generated by DOP853 with noise, or read from a trajectory file.</summary>
    public static StageDecl Trajectories { get; } = new("trajectories", 1);

    /// <summary>The split of the trajectories into train / validation / test, by trajectory.</summary>
    public static StageDecl TrajectorySplit { get; } = new("trajectory-split", 1);

    /// <summary>The training trajectories' rows of model.target (finite-difference or midpoint).</summary>
    public static StageDecl TargetRows { get; } = new("target-rows", 1);

    /// <summary>The output layer on trajectory rows, regularised by model.regularisation (the choice in its metadata).</summary>
    public static StageDecl TrajectoryFit { get; } = new("trajectory-fit", 1);

    /// <summary>
    /// The reduced least-squares problem of the trajectory fit (docs/ALGORITHM.md §2.4: the triangle, Q^T y, the residual norm
    /// and the row count from one TSQR pass over the training rows; version 2 adds the triangle of the differenced rows of §2.6
    /// built in the same pass), shared by trajectory-fit and error-bars.
    /// </summary>
    public static StageDecl ReducedProblem { get; } = new("reduced-problem", 2);

    /// <summary>
    /// The Bayesian output layer's predictive sd of H on the test points and along a test trajectory. Version 2: the sandwich
    /// band's products by dgemm through the backend (docs/ALGORITHM.md §2.6; its sd differs from version 1's in the last bits).
    /// Version 3: the sandwich band (noisy trajectories, error_bars: trajectories) includes the regularisation's bias under the
    /// power-law empirical-Bayes prior, and its diagnostics (400 draws of the band's own model) say where the run lies.
    /// </summary>
    public static StageDecl ErrorBars { get; } = new("error-bars", 3);

    /// <summary>H errors (uncorrected and corrected) on uniform test points of the known system.</summary>
    public static StageDecl TrajectoryEvaluate { get; } = new("trajectory-evaluate", 1);

    /// <summary>The learned H's rollouts along the held-out test trajectories: error, invariants (Kepler, FPUT).</summary>
    public static StageDecl TrajectoryRollout { get; } = new("trajectory-rollout", 3);

    public static IReadOnlyList<StageDecl> All { get; } =
        [Generate, Load, Split, GenerateStream, Sample, Fit, Resample, Evaluate, Train, HigTrain, System, Reference, Rollout,
        Trajectories, TrajectorySplit, TargetRows, ReducedProblem, TrajectoryFit, ErrorBars, TrajectoryEvaluate, TrajectoryRollout, .. ExperimentStages.Select(s => s.Stage)];

    /// <summary>Stage name -> version, for every declared stage (docs/ARCHITECTURE.md).</summary>
    public static IReadOnlyDictionary<string, int> Versions { get; } = All.ToDictionary(s => s.Name, s => s.Version, StringComparer.Ordinal);
}

/// <summary>
/// A stage attached to every experiment, after its model: its declaration (name, version, codec), the key parameters
/// it adds (from the experiment's settings), and its compute over the trained model and the experiment's data set.
/// Its node's inputs are the model node and the data node (their keys enter its key); <see cref="RunPlan.Build(Hnn.Pipeline.Config.PipelineSpec, PlanFacts, IReadOnlyList{ExperimentStage})"/>
/// appends it and binds the node to <see cref="ComputeAsync"/>; the executor loads or computes it like every node.
/// </summary>
public abstract record ExperimentStage
{
    /// <summary>The declaration: name, version, codec.</summary>
    public abstract StageDecl Stage { get; }

    /// <summary>The key parameters of one experiment's node (besides the model's and the data's keys).</summary>
    public abstract IEnumerable<KeyValuePair<string, string>> Parameters(ExperimentSettings experiment);

    /// <summary>The node's output (of the declaration's type) from the model and the data.</summary>
    public abstract Task<object?> ComputeAsync(Network model, ExperimentData data, NodeRun run);
}

/// <summary>An <see cref="ExperimentStage"/> with its output type.</summary>
public sealed record ExperimentStage<T>(
    StageDecl<T> Decl,
    Func<ExperimentSettings, IEnumerable<KeyValuePair<string, string>>> KeyParameters,
    Func<Network, ExperimentData, NodeRun, Task<T>> Compute) : ExperimentStage
{
    public override StageDecl Stage => Decl;

    public override IEnumerable<KeyValuePair<string, string>> Parameters(ExperimentSettings experiment) => KeyParameters(experiment);

    public override async Task<object?> ComputeAsync(Network model, ExperimentData data, NodeRun run) =>
        await Compute(model, data, run).ConfigureAwait(false);
}
