namespace Hnn.Pipeline.Execution;

/// <summary>
/// What a trajectory experiment (data.trajectories) measured beyond <see cref="ExperimentResult"/>'s common fields
/// (results.json <c>trajectory</c>; docs/SCHEMA.md). NaN where a number does not apply (no known system: the H errors and
/// the coverage; no Kepler/FPUT system: the invariants).
/// </summary>
/// <param name="Target">model.target: finite-difference or midpoint.</param>
/// <param name="Regularisation">rcond or ridge: the kind of the solve used.</param>
/// <param name="RegularisationValue">The rcond or lambda used (the chosen one with auto).</param>
/// <param name="Criterion">auto only: validation or gcv; else null.</param>
/// <param name="CriterionScore">auto only: the criterion's value at the choice (validation RMS error, or GCV); else NaN.</param>
/// <param name="EffectiveDof">sum of the solve's filter factors (the rank for rcond).</param>
/// <param name="TestHUncorrected">Rel. L2 error of the learned function itself on the uniform test points.</param>
/// <param name="TestHCorrected">Rel. L2 error of the corrected H (docs/ALGORITHM.md §6) on the uniform test points.</param>
/// <param name="RolloutError">Rel. L2 state error of the learned H's DOP853 rollouts along the held-out test trajectories.</param>
/// <param name="RolloutMaxError">Largest state error |x^ - x| along them.</param>
/// <param name="ExactRolloutError">The same for the true H (the noise floor of the observations); NaN without a system.</param>
/// <param name="TestTrajectories">Held-out test trajectories.</param>
/// <param name="RolloutFailure">Why the learned rollout failed (it blew up), or null.</param>
/// <param name="ErrorBarLambda">The Bayesian output layer's lambda (by evidence).</param>
/// <param name="NoiseSd">Its estimated noise standard deviation of the rows.</param>
/// <param name="MedianSd">Median predictive sd of H on the uniform test points (or along the test trajectory without a system).</param>
/// <param name="Coverage95">Fraction of uniform test points whose true H lies in corrected H ± 1.96 sd.</param>
/// <param name="InvariantDrift">Kepler: the largest relative drift of L along the learned rollouts; FPUT: the largest deviation of the
/// normal-mode energy fractions from the true H's rollout; NaN otherwise.</param>
/// <param name="InvariantDrift2">Kepler: the largest drift of |A| / k; NaN otherwise.</param>
/// <param name="ExactInvariantDrift">InvariantDrift of the true H's rollouts (Kepler; the integrator's floor).</param>
public sealed record TrajectoryResult(
    string Target,
    string Regularisation,
    double RegularisationValue,
    string? Criterion,
    double CriterionScore,
    double EffectiveDof,
    double TestHUncorrected,
    double TestHCorrected,
    double RolloutError,
    double RolloutMaxError,
    double ExactRolloutError,
    int TestTrajectories,
    string? RolloutFailure,
    double ErrorBarLambda,
    double NoiseSd,
    double MedianSd,
    double Coverage95,
    double InvariantDrift,
    double InvariantDrift2,
    double ExactInvariantDrift)
;
