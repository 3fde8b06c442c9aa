using Hnn.Datasets;
using Hnn.Pipeline.Config;
using Hnn.Pipeline.Execution;
using Hnn.Stages.Rollout;
using Hnn.Stages.Training;

namespace Hnn.Pipeline.Planning;

/// <summary>
/// The pipeline as a value: an immutable DAG of <see cref="StageNode"/>s built by <see cref="Build"/> from a validated
/// spec and the few facts that need the disk (<see cref="PlanFacts"/>), checked whole before anything runs. The
/// executor (<see cref="PipelineRunner"/>) runs it; <c>hnn plan</c> prints it; <c>hnn bench</c> times its fit nodes.
/// </summary>
public sealed record RunPlan(
    PipelineSpec Spec,
    PlanFacts Facts,
    Anchor Anchor,
    IReadOnlyList<StageNode> Nodes,
    IReadOnlyList<DataNode> Data,
    TruthPlan? Truth,
    IReadOnlyList<ExperimentPlan> Experiments)
{
    /// <summary>The trajectory path's nodes (data.trajectories); null on the derivative path.</summary>
    public TrajectoryPlan? Trajectory { get; init; }

    /// <summary>At most this many saved states per trajectory (beyond it, every s-th step is saved).</summary>
    public const int MaxSavedStates = 20_000;

    /// <summary>
    /// Builds the plan: per data seed its data nodes, the true-H rollouts once, then per width x model seed x method
    /// the method's chain, evaluation and rollouts. Pure: same spec and facts, same plan and keys.
    /// </summary>
    public static RunPlan Build(PipelineSpec spec, PlanFacts facts) => Build(spec, facts, StageCatalog.ExperimentStages);

    /// <summary>
    /// <see cref="Build(PipelineSpec, PlanFacts)"/> with these stages attached to every experiment after its evaluation
    /// and rollouts (<see cref="StageCatalog.ExperimentStages"/> in a run; tests add their own).
    /// </summary>
    public static RunPlan Build(PipelineSpec spec, PlanFacts facts, IReadOnlyList<ExperimentStage> attached)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(facts);
        ArgumentNullException.ThrowIfNull(attached);
        var b = new PlanBuilder();
        var system = spec.System is null ? null : spec.System.Build();
        var x0 = spec.Anchor.X0.ToArray();
        var anchor = new Anchor(x0, spec.Anchor.H0 ?? system!.Energy(x0));
        if (spec.Trajectories is not null)
        {
            // The trajectory path (Planning/TrajectoryPlan.cs): its own data and experiment nodes.
            var trajectory = TrajectoryPlan.Append(b, spec, facts, system, anchor);
            var t = new RunPlan(spec, facts, anchor, b.Nodes, [], null, []) { Trajectory = trajectory };
            t.Check();
            return t;
        }

        var data = spec.Data.Seeds.Select(seed => DataNode.Append(b, spec, facts, system, seed)).ToList();
        var truth = spec.Rollout is null ? null : TruthPlan.Append(b, spec.Rollout, spec.Domain, system!);

        var experiments = new List<ExperimentPlan>();
        foreach (var d in data)
        {
            foreach (var width in spec.Model.Widths)
            {
                foreach (var seed in spec.Model.Seeds)
                {
                    foreach (var method in Methods(spec))
                    {
                        var c = new ExperimentContext(spec, facts, d, anchor, method, width, seed);
                        var chain = method.Append(b, c);
                        var settings = new ExperimentSettings(spec, d, method, width, seed);
                        var evaluate = Attach(b, StageCatalog.Evaluation, settings, c.Label, chain, d).Node;
                        var rollouts = truth?.Exact.Select(e => new RolloutNode(e.Integrator,
                            b.Node(StageCatalog.Rollout, $"{c.Label}, {e.Integrator.ToName()}", [.. truth.Parameters, new("integrator", e.Integrator.ToName())], [chain.Model]),
                            e.Node)).ToList() ?? [];
                        experiments.Add(new ExperimentPlan(d, method, width, seed, chain, evaluate, rollouts)
                        {
                            Attached = [.. attached.Select(s => Attach(b, s, settings, c.Label, chain, d))],
                        });
                    }
                }
            }
        }

        var plan = new RunPlan(spec, facts, anchor, b.Nodes, data, truth, experiments);
        plan.Check();
        return plan;
    }

    /// <summary>An attached stage's node for one experiment: its key parameters, then the model's and the data's keys.</summary>
    private static AttachedNode Attach(PlanBuilder b, ExperimentStage stage, ExperimentSettings settings, string label, TrainingChain chain, DataNode d) =>
        new(stage, b.Node(stage.Stage, label, [.. stage.Parameters(settings)], [chain.Model, d.Node]));

    /// <summary>The methods of one (width, seed): the sampled ones in config order, then adam and hig if listed.</summary>
    public static IEnumerable<Method> Methods(PipelineSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        foreach (var m in spec.Model.Methods)
        {
            yield return m;
        }

        if (spec.Adam is not null)
        {
            yield return Adam.Instance;
        }

        if (spec.Hig is not null)
        {
            yield return Hig.Instance;
        }
    }

    /// <summary>The node with this id (stage/key).</summary>
    public StageNode this[string id] => Nodes.FirstOrDefault(n => n.Id == id) ?? throw new KeyNotFoundException($"no node {id} in the plan");

    /// <summary>
    /// The whole DAG's checks: every input of a node is an earlier node of this plan (so it is acyclic and complete),
    /// ids are unique, and the dimensions of the anchor, the data and the rollout states agree.
    /// </summary>
    private void Check()
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var n in Nodes)
        {
            foreach (var i in n.Inputs)
            {
                if (!seen.Contains(i.Id))
                {
                    throw new InvalidOperationException($"plan: {n.Id} reads {i.Id}, which is not an earlier node of the plan");
                }
            }

            if (!seen.Add(n.Id))
            {
                throw new InvalidOperationException($"plan: node {n.Id} appears twice");
            }
        }

        var dim = 2 * Spec.Dof;
        if (Anchor.X0.Length != dim)
        {
            throw new InputException($"{Spec.SourcePath}: anchor.x0 has {Anchor.X0.Length} entries; the data have dimension {dim} (2 x {Spec.Dof} dof)");
        }

        if (Truth is not null && Truth.X0.Length != dim)
        {
            throw new InputException($"{Spec.SourcePath}: rollout initial states have dimension {Truth.X0.Length}; the system has {dim}");
        }

        foreach (var e in Experiments)
        {
            if (e.Chain is SampledChain s && (s.FirstWidth < 1 || s.FirstRows is < 2))
            {
                throw new InvalidOperationException($"plan: {e.Label}: first stage of {s.FirstWidth} neurons on {s.FirstRows} rows");
            }
        }
    }

    /// <summary>A-SWIM's cheaper first stage: the first ceil(fraction K) training rows, at least 2 (the split is a random permutation).</summary>
    public static int FirstStageRows(int trainCount, double fraction) => Math.Clamp((int)Math.Ceiling(fraction * trainCount), 2, trainCount);

    /// <summary>A-SWIM's cheaper first stage: round(fraction N) neurons, at least 1.</summary>
    public static int FirstStageWidth(int width, double fraction) => Math.Clamp((int)Math.Round(fraction * width), 1, width);
}

/// <summary>Appends nodes, sharing a node between chains whose declarations agree (same stage and key: one artifact).</summary>
internal sealed class PlanBuilder
{
    private readonly List<StageNode> _nodes = [];
    private readonly Dictionary<string, StageNode> _byId = new(StringComparer.Ordinal);

    public IReadOnlyList<StageNode> Nodes => _nodes;

    public StageNode Node(StageDecl stage, string label, IReadOnlyList<KeyValuePair<string, string>> parameters, IReadOnlyList<StageNode> inputs, NodeCompute? compute = null)
    {
        var node = new StageNode(stage, label, parameters, inputs) { Compute = compute };
        if (_byId.TryGetValue(node.Id, out var existing))
        {
            return existing;
        }

        _byId.Add(node.Id, node);
        _nodes.Add(node);
        return node;
    }
}

/// <summary>
/// One data set (one data seed): its source node (generate, load, or generate-stream) and its split; <see cref="Node"/>
/// is what the model stages read (the split, or the streamed artifact itself, whose train/test rows are fixed ranges).
/// </summary>
public sealed record DataNode(ulong Seed, StageNode Source, StageNode? Split, int TrainCount, int Total)
{
    public StageNode Node => Split ?? Source;

    public bool Streamed => Split is null;

    internal static DataNode Append(PlanBuilder b, PipelineSpec spec, PlanFacts facts, HamiltonianSystem? system, ulong seed)
    {
        var label = $"data seed {seed}";
        if (spec.Data.File is { } file)
        {
            var rows = facts.FileRows ?? throw new InvalidOperationException("plan facts lack the data file's row count");
            var trainCount = spec.Data.Train > 0 ? spec.Data.Train : rows - spec.Data.Test;
            if (trainCount < 2 || trainCount + spec.Data.Test > rows)
            {
                throw new InputException(
                    $"{file}: {rows} rows cannot give data.train = {(spec.Data.Train > 0 ? spec.Data.Train : trainCount)} and data.test = {spec.Data.Test} (need train >= 2 and train + test <= rows)");
            }

            var load = b.Node(StageCatalog.Load, Path.GetFileName(file), [new("sha256", facts.FileSha256 ?? throw new InvalidOperationException("plan facts lack the data file's hash"))], []);
            return new DataNode(seed, load, SplitNode(b, spec, load, trainCount, seed, label), trainCount, rows);
        }

        var total = spec.Data.Train + spec.Data.Test;
        if (spec.Data.Streamed)
        {
            var stream = b.Node(StageCatalog.GenerateStream, label,
                [.. GenerateParameters(system!, spec.Domain!, total, seed), new("stream_rows", Canon.Of(spec.Data.StreamRows))], []);
            return new DataNode(seed, stream, null, spec.Data.Train, total);
        }

        var generate = b.Node(StageCatalog.Generate, label, GenerateParameters(system!, spec.Domain!, total, seed), []);
        return new DataNode(seed, generate, SplitNode(b, spec, generate, spec.Data.Train, seed, label), spec.Data.Train, total);
    }

    private static StageNode SplitNode(PlanBuilder b, PipelineSpec spec, StageNode source, int trainCount, ulong seed, string label) =>
        b.Node(StageCatalog.Split, label,
            [new("train", Canon.Of(trainCount)), new("test", Canon.Of(spec.Data.Test)), new("seed", Canon.Of(seed))], [source]);

    /// <summary>What generated data depend on: the system and its parameters, the domain, the row count and the seed.</summary>
    internal static List<KeyValuePair<string, string>> GenerateParameters(HamiltonianSystem system, Domain domain, int total, ulong seed) =>
    [
        new("system", system.Name),
        .. system.Parameters.Select(p => new KeyValuePair<string, string>($"system.{p.Key}", Canon.Of(p.Value))),
        new("domain.q", string.Join(";", domain.Q.Select(i => Canon.Of([i.Lower, i.Upper])))),
        new("domain.p", string.Join(";", domain.P.Select(i => Canon.Of([i.Lower, i.Upper])))),
        new("count", Canon.Of(total)),
        new("seed", Canon.Of(seed)),
    ];
}

/// <summary>What one experiment's chain is built from (the method's <see cref="Method.Append"/> reads it).</summary>
internal sealed record ExperimentContext(PipelineSpec Spec, PlanFacts Facts, DataNode Data, Anchor Anchor, Method Method, int Width, ulong ModelSeed)
{
    public string Label => $"{Method.Name} width {Width} seed {ModelSeed}";

    /// <summary>Streamed path only: the cap on SWIM candidate pairs.</summary>
    public int CandidateCap => Spec.Model.CandidateCap(Width);

    /// <summary>ELM bias range: model.elm_bias, else [min, max] over the domain limits, else over the training data (a fact).</summary>
    public (double Low, double High) ElmBias =>
        Spec.Model.ElmBias ?? (Spec.Domain is { } d ? (d.MinLimit, d.MaxLimit)
            : Facts.TrainRange?.GetValueOrDefault(Data.Seed) ?? throw new InvalidOperationException($"plan facts lack the training data's range (data seed {Data.Seed})"));

    public IReadOnlyList<KeyValuePair<string, string>> AnchorParameters => [new("x0", Canon.Of(Anchor.X0)), new("h0", Canon.Of(Anchor.H0))];

    /// <summary>What a fit depends on besides its inputs: rcond, the solve (mode, backend, chunks, lanes) and the anchor.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> FitParameters
    {
        get
        {
            var s = Spec.Solver;
            var full = s.Mode == Hnn.Stages.Training.SolveMode.Full;
            return
            [
                new("rcond", Canon.Of(Spec.Model.Rcond)),
                new("mode", s.Mode.ToString()),
                new("backend", Facts.NativeBackend ? "lapack" : "managed"),
                new("chunk_rows", full ? "-" : Canon.Of(s.ChunkRows)),
                new("lanes", full ? "-" : Canon.Of(ParallelFit.EffectiveLanes(s.Lanes, Data.TrainCount, s.ChunkRows))),
                .. AnchorParameters,
                .. TruncationParameters(s),
            ];
        }
    }

    /// <summary>solver.truncation enters the fit key only when it is not the default (svd), so keys from before stay valid.</summary>
    private static KeyValuePair<string, string>[] TruncationParameters(SolverSpec s) =>
        s.Truncation.IsDefault ? [] : [new("truncation", s.Truncation.Name)];
}

/// <summary>
/// One experiment (method x width x model seed on one data set): its training chain, evaluation, rollouts and the
/// further stages attached to it (<see cref="Attached"/>, in order).
/// </summary>
public sealed record ExperimentPlan(DataNode Data, Method Method, int Width, ulong ModelSeed, TrainingChain Chain, StageNode Evaluate, IReadOnlyList<RolloutNode> Rollouts)
{
    public string Label => $"{Method.Name} width {Width} seed {ModelSeed}";

    /// <summary>The attached stages' nodes, each bound to its declaration's compute (<see cref="StageCatalog.ExperimentStages"/>).</summary>
    public IReadOnlyList<AttachedNode> Attached { get; init; } = [];
}

/// <summary>What an attached stage's key parameters may depend on: the spec and the experiment's coordinates.</summary>
public sealed record ExperimentSettings(PipelineSpec Spec, DataNode Data, Method Method, int Width, ulong ModelSeed);

/// <summary>A node of an attached stage, bound to the stage's compute (inputs: the model node, then the data node).</summary>
public sealed record AttachedNode(ExperimentStage Stage, StageNode Node);

/// <summary>A method's training stages; <see cref="Model"/> is the node whose output is the trained network.</summary>
public abstract record TrainingChain
{
    public abstract StageNode Model { get; }

    /// <summary>The chain's nodes in order.</summary>
    public abstract IEnumerable<StageNode> Nodes { get; }
}

/// <summary>
/// Sample, fit; for A-SWIM also resample and refit. <see cref="FirstRows"/> is set when the first stage is fit on the
/// first rows of the training set only (model.a_swim_first); <see cref="ElmBias"/> only for ELM.
/// </summary>
public sealed record SampledChain(
    SampledMethod Method, int FirstWidth, int? FirstRows, (double Low, double High)? ElmBias,
    StageNode Sample, StageNode Fit, StageNode? Resample, StageNode? Refit) : TrainingChain
{
    public override StageNode Model => Refit ?? Fit;

    public override IEnumerable<StageNode> Nodes => Resample is null ? [Sample, Fit] : [Sample, Fit, Resample, Refit!];
}

/// <summary>The Adam baseline: one train node (network and loss history).</summary>
public sealed record AdamChain(StageNode Train) : TrainingChain
{
    public override StageNode Model => Train;

    public override IEnumerable<StageNode> Nodes => [Train];
}

/// <summary>The HIG baseline: one hig-train node (network and loss history).</summary>
public sealed record HigChain(StageNode Train) : TrainingChain
{
    public override StageNode Model => Train;

    public override IEnumerable<StageNode> Nodes => [Train];
}

/// <summary>A learned model's rollout with one integrator, and the true H's with the same one (for the comparison).</summary>
public sealed record RolloutNode(Integrator Integrator, StageNode Node, StageNode Exact);

/// <summary>
/// The true-H rollouts, once per run: the system node, the adaptive DOP853 reference and one rollout per integrator,
/// with the initial states, the saved-step stride and the key parameters every rollout shares.
/// </summary>
public sealed record TruthPlan(
    RolloutSpec Spec,
    HamiltonianSystem System,
    double[][] X0,
    int SaveEvery,
    IReadOnlyList<KeyValuePair<string, string>> Parameters,
    StageNode SystemNode,
    StageNode Reference,
    IReadOnlyList<(Integrator Integrator, StageNode Node)> Exact)
{
    internal static TruthPlan Append(PlanBuilder b, RolloutSpec r, Domain? domain, HamiltonianSystem system)
    {
        var x0 = PipelineRunner.RolloutStarts(r, domain);
        var saveEvery = Math.Max(1, (int)Math.Ceiling((double)r.Steps / RunPlan.MaxSavedStates));
        var systemNode = b.Node(StageCatalog.System, system.Name,
            [new("name", system.Name), .. system.Parameters.Select(p => new KeyValuePair<string, string>(p.Key, Canon.Of(p.Value)))], []);
        List<KeyValuePair<string, string>> common =
        [
            new("x0", string.Join(";", x0.Select(Canon.Of))),
            new("dt", Canon.Of(r.Dt)),
            new("steps", Canon.Of(r.Steps)),
            new("save_every", Canon.Of(saveEvery)),
        ];
        var reference = b.Node(StageCatalog.Reference, $"true H, {x0[0].Length} initial state(s)", [.. common, new("tol", Canon.Of(r.ReferenceTolerance))], [systemNode]);
        var exact = r.IntegratorKinds
            .Select(i => (i, b.Node(StageCatalog.Rollout, $"true H, {i.ToName()}", [.. common, new("integrator", i.ToName())], [systemNode])))
            .ToList();
        return new TruthPlan(r, system, x0, saveEvery, common, systemNode, reference, exact);
    }
}
