using Hnn.Datasets;
using Hnn.Pipeline.Config;
using Hnn.Stages.Rollout;
using Hnn.Stages.Sampling;
using Hnn.Stages.Training;

namespace Hnn.Pipeline.Planning;

/// <summary>
/// The trajectory path of a run (data.trajectories; docs/ALGORITHM.md §6): per data seed the trajectories (generated or
/// loaded), their split by trajectory, the formulation's rows and — when the system is known — the uniform test points;
/// then per width x model seed x method the sample (A-SWIM: a first fit at model.rcond and a resample), the regularised
/// fit, the Bayesian error bars, the H evaluation (known system) and the held-out test trajectories' rollouts. Every
/// node is a declared stage; keys come from <see cref="StageNode"/>.
/// </summary>
public sealed record TrajectoryPlan(IReadOnlyList<TrajectoryDataNode> Data, IReadOnlyList<TrajectoryExperimentPlan> Experiments)
{
    internal static TrajectoryPlan Append(PlanBuilder b, PipelineSpec spec, PlanFacts facts, HamiltonianSystem? system, Anchor anchor)
    {
        var t = spec.Trajectories!;
        var data = spec.Data.Seeds.Select(seed => TrajectoryDataNode.Append(b, spec, facts, system, seed)).ToList();
        var backend = new KeyValuePair<string, string>("backend", facts.NativeBackend ? "lapack" : "managed");
        List<KeyValuePair<string, string>> anchorParameters = [new("x0", Canon.Of(anchor.X0)), new("h0", Canon.Of(anchor.H0))];
        var experiments = new List<TrajectoryExperimentPlan>();
        foreach (var d in data)
        {
            foreach (var width in spec.Model.Widths)
            {
                foreach (var seed in spec.Model.Seeds)
                {
                    foreach (var method in spec.Model.Methods)
                    {
                        var label = $"{method.Name} width {width} seed {seed}";
                        var elmBias = method.NeedsBiasRange ? ElmBias(spec) : ((double, double)?)null;
                        List<KeyValuePair<string, string>> bias = elmBias is { } eb ? [new("bias", Canon.Of([eb.Item1, eb.Item2]))] : [];
                        var sample = b.Node(StageCatalog.Sample, label,
                            [new("method", method.First.Name), new("width", Canon.Of(width)), new("seed", Canon.Of(seed)), .. bias, .. SampledMethod.LayerParameters(spec.Model)], [d.Rows]);
                        StageNode? firstFit = null;
                        StageNode? resample = null;
                        var hidden = sample;
                        if (method.Redraws)
                        {
                            firstFit = b.Node(StageCatalog.TrajectoryFit, $"{label}, first stage",
                                [new("regularisation", RegularisationSpec.RcondMode), new("value", Canon.Of(spec.Model.Rcond)), backend, .. anchorParameters], [sample, d.Rows]);
                            resample = b.Node(StageCatalog.Resample, label,
                                [new("method", method.Name), new("width", Canon.Of(width)), new("seed", Canon.Of(seed)), .. SampledMethod.LayerParameters(spec.Model)], [firstFit, d.Rows]);
                            hidden = resample;
                        }

                        // One TSQR pass over the rows, shared by the fit and the error bars. Its key has the inputs the fit's and
                        // the error bars' keys already have (hidden layer, rows, backend, anchor), so those keys are unchanged.
                        var reduce = b.Node(StageCatalog.ReducedProblem, label, [backend, .. anchorParameters], [hidden, d.Rows]);
                        var fit = b.Node(StageCatalog.TrajectoryFit, label, [.. t.Regularisation.Parameters, backend, .. anchorParameters], [hidden, d.Rows, d.Split]);
                        // model.error_bars enters the key only when it is not the default (residual): earlier keys stay valid.
                        // model.error_bars: trajectories centres the band on the fit's own solution, so the fit is an input then.
                        var calibrated = t.ErrorBars != TrajectoriesSection.ResidualBars;
                        // trajectories: with noisy observations (all but generated noise-free ones) the band is the sandwich posterior under
                        // the rows' correlated noise (band=sandwich; docs/ALGORITHM.md §2.6); noise-free keys are unchanged.
                        var sandwich = calibrated && t.Generated is not { NoiseSigma: 0 };
                        List<KeyValuePair<string, string>> bars = calibrated ? [new("calibration", t.ErrorBars), new("centre", "fit"), .. sandwich ? [new KeyValuePair<string, string>("band", "sandwich")] : Array.Empty<KeyValuePair<string, string>>()] : [];
                        var errorBars = b.Node(StageCatalog.ErrorBars, label, [backend, .. anchorParameters, .. bars],
                            [hidden, d.Rows, d.Split, .. d.TestPoints is null ? Array.Empty<StageNode>() : [d.TestPoints], .. calibrated ? [fit] : Array.Empty<StageNode>()]);
                        var evaluate = d.TestPoints is null ? null : b.Node(StageCatalog.TrajectoryEvaluate, label, [], [fit, d.Rows, d.TestPoints]);
                        // The integrator (since v3): the rows' one-step rule at the observation steps, or dop853.
                        var integrator = t.RolloutRule is { } rule ? TrajectoryRollout.RuleName(rule) : TrajectoriesSection.Dop853Rollout;
                        var rollout = b.Node(StageCatalog.TrajectoryRollout, label,
                            [new("tol", Canon.Of(TrajectoryRollout.DefaultTolerance)), new("integrator", integrator), .. SystemParameters(system)], [fit, d.Split]);
                        experiments.Add(new TrajectoryExperimentPlan(d, method, width, seed, elmBias, sample, firstFit, resample, fit, errorBars, evaluate, rollout) { Reduce = reduce });
                    }
                }
            }
        }

        return new TrajectoryPlan(data, experiments);
    }

    /// <summary>The true system in the rollout key (its exact rollouts and invariants are part of that output); none for a file.</summary>
    internal static List<KeyValuePair<string, string>> SystemParameters(HamiltonianSystem? system) => system is null
        ? [new("system", "-")]
        : [new("system", system.Name), .. system.Parameters.Select(p => new KeyValuePair<string, string>($"system.{p.Key}", Canon.Of(p.Value)))];

    /// <summary>ELM's bias range: model.elm_bias, else [min, max] over the domain limits (validation requires one of them).</summary>
    private static (double, double) ElmBias(PipelineSpec spec) =>
        spec.Model.ElmBias ?? (spec.Domain is { } d ? (d.MinLimit, d.MaxLimit) : throw new InputException($"{spec.SourcePath}: model.methods: elm with a trajectory file needs model.elm_bias or a domain"));
}

/// <summary>One data seed's trajectory nodes: source (generate or load), split, rows and (known system) the uniform test points.</summary>
public sealed record TrajectoryDataNode(ulong Seed, StageNode Source, StageNode Split, StageNode Rows, StageNode? TestPoints, int TestPointCount)
{
    internal static TrajectoryDataNode Append(PlanBuilder b, PipelineSpec spec, PlanFacts facts, HamiltonianSystem? system, ulong seed)
    {
        var t = spec.Trajectories!;
        var label = $"data seed {seed}";
        StageNode source;
        if (t.Generated is { } g)
        {
            source = b.Node(StageCatalog.Trajectories, label,
            [
                new("source", "generated"),
                .. DataNode.GenerateParameters(system!, spec.Domain!, g.Count, seed),
                new("dt", Canon.Of(g.Dt)),
                new("steps", Canon.Of(g.Steps)),
                new("noise.sigma", Canon.Of(g.NoiseSigma)),
                new("noise.kind", g.Noise == NoiseKind.Relative ? "relative" : "absolute"),
                new("tol", Canon.Of(TrajectorySettings.Tolerance)),
            ], []);
        }
        else
        {
            source = b.Node(StageCatalog.Trajectories, Path.GetFileName(t.File!),
            [
                new("source", "file"),
                new("sha256", facts.FileSha256 ?? throw new InvalidOperationException("plan facts lack the trajectory file's hash")),
                new("columns", string.Join(";", t.Columns.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key}={c.Value}"))),
                new("dof", Canon.Of(spec.Dof)),
            ], []);
        }

        var split = b.Node(StageCatalog.TrajectorySplit, label,
            [new("validation", Canon.Of(t.Validation)), new("test", Canon.Of(t.Test)), new("seed", Canon.Of(seed))], [source]);
        var rows = b.Node(StageCatalog.TargetRows, label, [new("target", t.Target.ToName())], [split]);
        var testPoints = system is null || spec.Domain is null
            ? null
            : b.Node(StageCatalog.Generate, $"{label}, uniform test points", DataNode.GenerateParameters(system, spec.Domain, t.TestPoints, seed), []);
        return new TrajectoryDataNode(seed, source, split, rows, testPoints, t.TestPoints);
    }
}

/// <summary>One trajectory experiment: its sample (A-SWIM: first fit and resample), regularised fit, error bars, evaluation and rollouts.</summary>
public sealed record TrajectoryExperimentPlan(
    TrajectoryDataNode Data,
    SampledMethod Method,
    int Width,
    ulong ModelSeed,
    (double Low, double High)? ElmBias,
    StageNode Sample,
    StageNode? FirstFit,
    StageNode? Resample,
    StageNode Fit,
    StageNode ErrorBars,
    StageNode? Evaluate,
    StageNode Rollout)
{
    public string Label => $"{Method.Name} width {Width} seed {ModelSeed}";

    /// <summary>The node whose output is the hidden layer of the final fit (A-SWIM: the resample).</summary>
    public StageNode Hidden => Resample ?? Sample;

    public IEnumerable<StageNode> TrainingNodes => FirstFit is null ? [Sample, Reduce, Fit] : [Sample, FirstFit, Resample!, Reduce, Fit];

    /// <summary>The reduced problem (one TSQR pass over the rows on the final hidden layer) the fit and the error bars share.</summary>
    public required StageNode Reduce { get; init; }
}
