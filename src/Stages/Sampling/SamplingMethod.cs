namespace Hnn.Stages.Sampling;

/// <summary>
/// The hidden-layer sampling methods of docs/ALGORITHM.md §2.1, as a closed set for the stages that switch on one
/// (<see cref="Hnn.Stages.Training.TrajectoryFit"/>).
/// </summary>
public enum SamplingMethod
{
    /// <summary>Extreme learning machine: w ~ N(0, 1), b ~ U(a, b).</summary>
    Elm,

    /// <summary>SWIM with uniform pair probabilities.</summary>
    USwim,

    /// <summary>Approximate SWIM: U-SWIM fit, then SWIM probabilities from the fitted H.</summary>
    ASwim,

    /// <summary>SWIM with probabilities from the true H (for comparison only).</summary>
    Swim,
}

/// <summary>
/// Names of <see cref="SamplingMethod"/> (in messages of the stages that take one). The pipeline's configs, rules and
/// plan do not use this enum: its methods are the records of src/Pipeline/Planning/Methods.cs.
/// </summary>
public static class SamplingMethods
{
    public static string ToName(this SamplingMethod method) => method switch
    {
        SamplingMethod.Elm => "elm",
        SamplingMethod.USwim => "u-swim",
        SamplingMethod.ASwim => "a-swim",
        SamplingMethod.Swim => "swim",
        _ => throw new ArgumentOutOfRangeException(nameof(method), method, null),
    };
}
