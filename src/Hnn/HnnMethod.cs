namespace Hnn.Api;

/// <summary>How the hidden layer is sampled (docs/ALGORITHM.md §2.1 in the repository).</summary>
public enum HnnMethod
{
    /// <summary>Extreme learning machine: weights normal, biases uniform in <see cref="SampledHnnOptions.ElmBias"/>.</summary>
    Elm,

    /// <summary>SWIM with pairs of training points drawn uniformly (needs no values of H).</summary>
    USwim,

    /// <summary>Approximate SWIM: a U-SWIM model's H-hat guides a second sampling, then the output layer is solved again.</summary>
    ASwim,

    /// <summary>SWIM with pairs drawn by the differences of the true H (needs H at the training points).</summary>
    Swim,
}
