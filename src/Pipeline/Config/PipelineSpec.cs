using Hnn.Datasets;
using Hnn.Stages.Baseline;
using Hnn.Stages.Rollout;
using Hnn.Pipeline.Planning;
using Hnn.Stages.Sampling;
using Hnn.Stages.Training;

namespace Hnn.Pipeline.Config;

/// <summary>A validated pipeline definition (a value: parsing and validation happen before anything runs).</summary>
/// <remarks>
/// <see cref="System"/> and <see cref="Domain"/> are null when the data come from a file without a known system;
/// <see cref="HasEnergy"/> is false when the data carry no H (then SWIM is unavailable and H errors are NaN).
/// </remarks>
public sealed record PipelineSpec(
    string Name,
    string Description,
    SystemSpec? System,
    Domain? Domain,
    int Dof,
    bool HasEnergy,
    DataSpec Data,
    AnchorSpec Anchor,
    ModelSpec Model,
    SolverSpec Solver,
    RunSpec Run,
    string SourcePath)
{
    /// <summary>Gradient-trained baseline settings; null unless model.methods lists adam.</summary>
    public AdamSpec? Adam { get; init; }

    /// <summary>HIG-trained baseline settings; null unless model.methods lists hig.</summary>
    public HigSpec? Hig { get; init; }

    /// <summary>Rollout settings; null when the pipeline has no rollout section.</summary>
    public RolloutSpec? Rollout { get; init; }

    /// <summary>Learning from trajectories (data.trajectories, model.target, model.regularisation); null on the derivative path.</summary>
    public TrajectorySpec? Trajectories { get; init; }

    /// <summary>Methods per (width, seed): the sampled ones plus adam and hig if listed.</summary>
    public int MethodCount => Model.Methods.Count + (Adam is null ? 0 : 1) + (Hig is null ? 0 : 1);
}

/// <summary>The system by name and parameters; <see cref="Build"/> gives the system itself.</summary>
public sealed record SystemSpec(string Name, IReadOnlyDictionary<string, double> Parameters)
{
    private readonly HamiltonianSystem? _built;

    /// <summary>The spec of a built system: <see cref="Build"/> returns this very instance (the loader builds it once).</summary>
    public SystemSpec(HamiltonianSystem system)
        : this(system.Name, system.Parameters)
    {
        _built = system;
    }

    /// <summary>The system (built by the loader; built from <see cref="Name"/> and <see cref="Parameters"/> for a spec made otherwise).</summary>
    public HamiltonianSystem Build() => _built ?? SystemRegistry.Create(Name, Parameters);
}

/// <summary>
/// Data set sizes and seeds; one data set (split) per seed. <see cref="File"/>: a CSV or Parquet file of observations
/// instead of generated data; then Train = 0 means "every row not held out for testing".
/// </summary>
public sealed record DataSpec(string? File, int Train, int Test, IReadOnlyList<ulong> Seeds)
{
    /// <summary>Rows per generated chunk of the streamed data path; 0 = the data set is held in memory (the default).</summary>
    public int StreamRows { get; init; }

    public bool Streamed => StreamRows > 0;
}

/// <summary>Anchor x0 and H0; H0 null means H(x0) of the true system.</summary>
public sealed record AnchorSpec(IReadOnlyList<double> X0, double? H0);

/// <summary>The model sweep: every method x width x seed is one experiment.</summary>
public sealed record ModelSpec(
    IReadOnlyList<SampledMethod> Methods,
    IReadOnlyList<int> Widths,
    IReadOnlyList<ulong> Seeds,
    double Rcond,
    (double Low, double High)? ElmBias,
    ASwimFirstStage ASwimFirst)
{
    /// <summary>Streamed path only: at most this many SWIM candidate pairs; 0 = <see cref="DefaultSwimCandidates"/>.</summary>
    public int SwimCandidates { get; init; }

    /// <summary>
    /// model.weight_scale: the samplers' weight scale s (docs/ALGORITHM.md §2.1a; ELM w = s N(0, 1), SWIM family
    /// w = s ln(3) (x_to - x_from) / ||x_to - x_from||^2). 1 (the default) is the published samplers and adds nothing to any key.
    /// </summary>
    public double WeightScale { get; init; } = Hnn.Stages.Sampling.WeightScale.Default;

    /// <summary>
    /// model.separable: the sampled methods' hidden layer is separable (docs/ALGORITHM.md §2.1b; half the neurons on q, half
    /// on p, so H-hat = V(q) + T(p)), with its q and p weight scales (model.weight_scale, or its {q, p} form); then
    /// <see cref="WeightScale"/> is 1 and unused. Null (the default) is the full layer and adds nothing to any key or form.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public Hnn.Stages.Sampling.SeparableLayer? Separable { get; init; }

    /// <summary>The streamed path's default cap on SWIM candidate pairs: max(20 N, 100000).</summary>
    public static int DefaultSwimCandidates(int width) => (int)Math.Min(int.MaxValue, Math.Max(20L * width, 100_000));

    /// <summary>The candidate cap for width N (0 when not streaming means no cap).</summary>
    public int CandidateCap(int width) => SwimCandidates > 0 ? SwimCandidates : DefaultSwimCandidates(width);
}

/// <summary>
/// A-SWIM's first stage (it only shapes the pair probabilities): fit on this fraction of the training rows at this
/// fraction of the width. (1, 1) is A-SWIM as published, sharing its first stage with U-SWIM.
/// </summary>
public sealed record ASwimFirstStage(double TrainFraction, double WidthFraction)
{
    public static ASwimFirstStage Full { get; } = new(1, 1);

    public bool IsFull => TrainFraction >= 1 && WidthFraction >= 1;
}

/// <summary>
/// Solver settings. Lanes: partial QR factors merged at the end (they fix the rounding, so they are part of the fit
/// key, and the default does not depend on the machine); how many run at once follows the cores. Truncation
/// (<c>solver.truncation</c>): how the structured solve truncates its reduced triangle; the fit key names it only when
/// it is not the default (svd), so keys from before stay valid.
/// </summary>
/// <remarks>
/// <see cref="BackendKind"/> is the backend as parsed from solver.backend; <see cref="Backend"/> its config name (the
/// form in output files).
/// </remarks>
public sealed record SolverSpec(SolverBackend BackendKind, SolveMode Mode, int ChunkRows, int Lanes)
{
    /// <summary>From a backend name (auto, lapack, managed).</summary>
    public SolverSpec(string backend, SolveMode mode, int chunkRows, int lanes)
        : this(SolverBackends.TryParse(backend, out var b) ? b : throw new ArgumentException($"unknown backend '{backend}'; allowed: {string.Join(", ", SolverBackends.Names)}", nameof(backend)), mode, chunkRows, lanes)
    {
    }

    /// <summary>The backend's config name: auto, lapack or managed.</summary>
    public string Backend => BackendKind.ToName();

    /// <summary>How the reduced triangle is truncated: <see cref="Truncation.Svd"/> (the default) or pivoted QR.</summary>
    public Truncation Truncation { get; init; } = Truncation.Default;
}

/// <summary>
/// The Adam-trained HNN baseline (docs/ALGORITHM.md §4, last column): learning rate, mini-batch rows (consecutive slices),
/// weight decay (L2 added to the gradient) and the number of steps; the initial network is drawn by <see cref="Init"/>
/// from the model seed, or read from <see cref="InitFile"/>. Defaults are the reference's.
/// </summary>
public sealed record AdamSpec(double LearningRate, int BatchSize, double WeightDecay, int Steps)
{
    /// <summary>The reference's settings, <see cref="AdamSettings.Default"/> (the one place they are written).</summary>
    public static AdamSpec Default { get; } = new(AdamSettings.Default.LearningRate, AdamSettings.Default.BatchSize, AdamSettings.Default.WeightDecay, AdamSettings.Default.Steps);

    /// <summary>The seeded initial network's scheme (adam.init; default PyTorch's, as the reference trains from).</summary>
    public AdamInit Init { get; init; } = AdamSettings.Default.Init;

    /// <summary>
    /// adam.init_file, resolved against the pipeline file's folder: the initial w, b, c (Hnn.Pipeline.Data.NetworkFile);
    /// null draws them by <see cref="Init"/>. With a file the model seed does not enter the Adam run.
    /// </summary>
    public string? InitFile { get; init; }
}

/// <summary>
/// The HIG-trained HNN baseline (<see cref="HigTrainer"/>): the Adam baseline's network, loss, mini-batches and seeded
/// initial network, trained by half-inverse-gradient steps: learning rate, mini-batch rows, the relative truncation of
/// the batch Jacobian's singular values and the number of steps. Defaults are <see cref="HigSettings.Default"/> (the
/// half-inverse-gradient study's: lr 1, batch 32, truncation 1e-10; 15000 steps).
/// </summary>
public sealed record HigSpec(double LearningRate, int BatchSize, double Truncation, int Steps)
{
    /// <summary>The trainer's defaults, <see cref="HigSettings.Default"/> (the one place they are written).</summary>
    public static HigSpec Default { get; } = new(HigSettings.Default.LearningRate, HigSettings.Default.BatchSize, HigSettings.Default.Truncation, HigSettings.Default.Steps);

    /// <summary>The seeded initial network's scheme (hig.init; default PyTorch's, as the Adam baseline's).</summary>
    public AdamInit Init { get; init; } = HigSettings.Default.Init;

    /// <summary>The trainer's settings: these, the half-inverse exponent -1/2, the loss of every step, no time budget.</summary>
    public HigSettings Settings => new(LearningRate, BatchSize, Truncation, Steps, LossEvery: 1) { Init = Init };
}

/// <summary>
/// Rollouts of every learned model (and of the true H) from fixed initial states, or from Count states drawn from
/// the domain with Seed; Steps steps of Dt with each integrator; the ground truth is an adaptive DOP853 rollout of the
/// true H to ReferenceTolerance. <see cref="IntegratorKinds"/> are the integrators as parsed from rollout.integrators;
/// <see cref="Integrators"/> their config names (the form in output files).
/// </summary>
public sealed record RolloutSpec(
    IReadOnlyList<double[]> Initial,
    int Count,
    ulong Seed,
    double Dt,
    int Steps,
    IReadOnlyList<Integrator> IntegratorKinds,
    double ReferenceTolerance)
{
    /// <summary>The integrators' config names, in order (e.g. symplectic-euler, euler).</summary>
    public IReadOnlyList<string> Integrators => [.. IntegratorKinds.Select(i => i.ToName())];
}

/// <summary>Run settings that do not change results (kept out of cache keys).</summary>
/// <param name="Executor">"local" (this process) or "orleans" (grain calls on the cluster at <paramref name="Cluster"/>).</param>
/// <param name="Cluster">The cluster's address (src/Cluster ClusterAddress); null: localhost:30000.</param>
public sealed record RunSpec(string Store, int Parallelism, string Executor = "local", string? Cluster = null)
{
    /// <summary>Whether the experiments run on an Orleans cluster.</summary>
    public bool OnCluster => Executor == "orleans";

    /// <summary>run.distributed_fit: each structured fit's TSQR spread over the cluster's silos (scheduling only: no key, no number changes).</summary>
    public bool DistributedFit { get; init; }
}
