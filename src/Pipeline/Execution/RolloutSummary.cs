namespace Hnn.Pipeline.Execution;

/// <summary>
/// One learned model's rollout with one integrator, summarised: state error against the ground truth (adaptive DOP853
/// rollout of the true H) — its maximum over time and initial conditions and its value at t_end —, the deviation from
/// the true H integrated with the same integrator and step (the model's share of the error), the largest relative
/// drift of the true H along the learned trajectory, and the relative L2 errors of H and grad H along it.
/// <see cref="Failure"/> is set when the rollout could not be completed (then the numbers are NaN), or when the true H
/// could not be integrated with this integrator (then only the deviation from it is NaN).
/// </summary>
public sealed record RolloutSummary(
    string Integrator,
    double MaxStateError,
    double FinalStateError,
    double MaxDeviationFromExact,
    double MaxEnergyDrift,
    double HError,
    double GradHError,
    string? Failure = null);
