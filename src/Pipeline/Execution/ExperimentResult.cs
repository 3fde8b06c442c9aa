using Hnn.Stages.Evaluation;

namespace Hnn.Pipeline.Execution;

/// <summary>One method x width x seed experiment's outcome.</summary>
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
    IReadOnlyList<RolloutSummary>? Rollouts = null);
