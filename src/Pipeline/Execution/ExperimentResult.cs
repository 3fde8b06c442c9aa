using System.Text.Json.Serialization;
using Hnn.Pipeline.Planning;
using Hnn.Stages.Evaluation;

namespace Hnn.Pipeline.Execution;

/// <summary>
/// One method x width x seed experiment's outcome. <see cref="Keys"/> (as in manifest.json) names the artifact of each
/// of its stages; read it through the typed members (<see cref="Model"/>, <see cref="RolloutKey"/>, ...), whose names
/// <see cref="ExperimentKeys"/> defines once.
/// </summary>
public sealed record ExperimentResult(
    string Method,
    int Width,
    ulong DataSeed,
    ulong ModelSeed,
    double TrainSeconds,
    int Rank,
    ErrorMetrics Train,
    ErrorMetrics Test,
    bool FromCache,
    IReadOnlyDictionary<string, string> Keys,
    IReadOnlyList<RolloutSummary>? Rollouts = null)
{
    /// <summary>A trajectory experiment's own measurements (data.trajectories); null (and not written) otherwise.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public TrajectoryResult? Trajectory { get; init; }

    /// <summary>The trained network's artifact: train (adam), hig-train (hig), trajectory-fit (trajectories), else the last fit (A-SWIM: its second).</summary>
    [JsonIgnore]
    public (string Stage, string Key)? Model =>
        Keys.TryGetValue(ExperimentKeys.TrajectoryFit, out var tf) ? (StageCatalog.TrajectoryFit.Name, tf)
        : Keys.TryGetValue(ExperimentKeys.Train, out var t) ? (StageCatalog.Train.Name, t)
        : Keys.TryGetValue(ExperimentKeys.HigTrain, out var h) ? (StageCatalog.HigTrain.Name, h)
        : Keys.TryGetValue(ExperimentKeys.Refit, out var f2) ? (StageCatalog.Fit.Name, f2)
        : Keys.TryGetValue(ExperimentKeys.Fit, out var f) ? (StageCatalog.Fit.Name, f)
        : null;

    /// <summary>The loss history's key (stage loss, adam; stage hig-loss, hig).</summary>
    [JsonIgnore]
    public string? LossKey => Loss?.Key;

    /// <summary>The loss history's artifact: loss (adam), hig-loss (hig); null for the sampled methods.</summary>
    [JsonIgnore]
    public (string Stage, string Key)? Loss =>
        Keys.TryGetValue(ExperimentKeys.Loss, out var l) ? (StageCatalog.Train.Extra[0], l)
        : Keys.TryGetValue(ExperimentKeys.HigLoss, out var h) ? (StageCatalog.HigTrain.Extra[0], h)
        : null;

    /// <summary>The adaptive DOP853 true-H trajectory's key (stage reference).</summary>
    [JsonIgnore]
    public string? ReferenceKey => Keys.GetValueOrDefault(ExperimentKeys.Reference);

    /// <summary>The learned model's trajectory with this integrator (stage rollout); null if it was not completed.</summary>
    public string? RolloutKey(string integrator) => Keys.GetValueOrDefault(ExperimentKeys.Rollout(integrator));

    /// <summary>The true H's trajectory with this integrator (stage rollout); null if it could not be integrated.</summary>
    public string? ExactKey(string integrator) => Keys.GetValueOrDefault(ExperimentKeys.Exact(integrator));
}

/// <summary>The names of <see cref="ExperimentResult.Keys"/>, each written once.</summary>
public static class ExperimentKeys
{
    public const string Sample = "sample";
    public const string Fit = "fit";
    public const string Resample = "resample";

    /// <summary>A-SWIM's second fit.</summary>
    public const string Refit = "fit2";
    public const string Train = "train";
    public const string Loss = "loss";

    /// <summary>The HIG baseline's network (stage hig-train) and loss history (stage hig-loss).</summary>
    public const string HigTrain = "hig-train";
    public const string HigLoss = "hig-loss";
    public const string Evaluate = "evaluate";

    /// <summary>The trajectory path's nodes (data.trajectories).</summary>
    public const string Trajectories = "trajectories";
    public const string TrajectorySplit = "trajectory-split";
    public const string TargetRows = "target-rows";
    public const string TrajectoryFit = "trajectory-fit";
    public const string FirstFit = "trajectory-fit1";
    public const string ErrorBars = "error-bars";
    public const string TrajectoryEvaluate = "trajectory-evaluate";
    public const string TrajectoryRollout = "trajectory-rollout";
    public const string Reference = "reference";

    public static string Rollout(string integrator) => $"rollout/{integrator}";

    public static string Exact(string integrator) => $"exact/{integrator}";

    /// <summary>The keys of a training chain's nodes.</summary>
    internal static Dictionary<string, string> Training(TrainingChain chain) => chain switch
    {
        SampledChain s when s.Resample is not null => new() { [Sample] = s.Sample.Key, [Fit] = s.Fit.Key, [Resample] = s.Resample.Key, [Refit] = s.Refit!.Key },
        SampledChain s => new() { [Sample] = s.Sample.Key, [Fit] = s.Fit.Key },
        AdamChain a => new() { [Train] = a.Train.Key, [Loss] = a.Train.Key },
        HigChain h => new() { [HigTrain] = h.Train.Key, [HigLoss] = h.Train.Key },
        _ => throw new ArgumentOutOfRangeException(nameof(chain), chain, "unknown training chain"),
    };
}
