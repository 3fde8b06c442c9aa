namespace Hnn.Stages.Sampling;

/// <summary>The hidden-layer sampling methods of docs/ALGORITHM.md §2.1.</summary>
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

/// <summary>Names used in configs and results.</summary>
public static class SamplingMethods
{
    public static IReadOnlyList<string> Names { get; } = ["elm", "u-swim", "a-swim", "swim"];

    public static string ToName(this SamplingMethod method) => method switch
    {
        SamplingMethod.Elm => "elm",
        SamplingMethod.USwim => "u-swim",
        SamplingMethod.ASwim => "a-swim",
        SamplingMethod.Swim => "swim",
        _ => throw new ArgumentOutOfRangeException(nameof(method), method, null),
    };

    public static bool TryParse(string name, out SamplingMethod method)
    {
        switch (name.Trim().ToLowerInvariant())
        {
            case "elm": method = SamplingMethod.Elm; return true;
            case "u-swim" or "uswim": method = SamplingMethod.USwim; return true;
            case "a-swim" or "aswim": method = SamplingMethod.ASwim; return true;
            case "swim": method = SamplingMethod.Swim; return true;
            default: method = default; return false;
        }
    }
}
