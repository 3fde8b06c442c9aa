namespace Hnn.Stages.Rollout;

/// <summary>
/// Settings of the adaptive DOP853 reference integrator (<see cref="Rollouts.Reference(HamiltonianField, double[][], double[], ReferenceSettings?, CancellationToken)"/>).
/// The local error of a step is accepted when its weighted RMS norm, with weights
/// 1 / (<see cref="AbsoluteTolerance"/> + <see cref="RelativeTolerance"/> · max(|y_n|, |y_{n+1}|)), is at most 1
/// (Hairer–Nørsett–Wanner, Solving ODEs I, §II.4 and §II.10).
/// </summary>
/// <param name="RelativeTolerance">rtol &gt; 0, default 1e-12.</param>
/// <param name="AbsoluteTolerance">atol &gt; 0, default 1e-12.</param>
/// <param name="MaxSteps">Cap on attempted steps for the whole call (accepted and rejected), default 10^7.</param>
public sealed record ReferenceSettings(double RelativeTolerance = 1e-12, double AbsoluteTolerance = 1e-12, int MaxSteps = 10_000_000)
{
    /// <summary>rtol = atol = 1e-12.</summary>
    public static ReferenceSettings Default { get; } = new();

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the field when a setting is out of range.</summary>
    public void Validate()
    {
        if (!(RelativeTolerance > 0 && RelativeTolerance < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(RelativeTolerance), RelativeTolerance, "relative tolerance must be in (0, 1)");
        }

        if (!(AbsoluteTolerance > 0 && double.IsFinite(AbsoluteTolerance)))
        {
            throw new ArgumentOutOfRangeException(nameof(AbsoluteTolerance), AbsoluteTolerance, "absolute tolerance must be finite and > 0");
        }

        if (MaxSteps < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxSteps), MaxSteps, "max steps must be >= 1");
        }
    }
}
