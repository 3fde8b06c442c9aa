using Hnn.Datasets;
using Hnn.Stages.Model;

namespace Hnn.Stages.Sampling;

/// <summary>
/// The SWIM family as whole stages (DESIGN.md §2.1). Seeds: candidates from Derive(seed, "swim/candidates"),
/// selection from Derive(seed, "swim/select"); A-SWIM re-uses both, so it re-samples over the very same
/// candidate set that its U-SWIM first stage used.
/// </summary>
public static class SwimStages
{
    /// <summary>U-SWIM (<paramref name="y"/> null) or SWIM (y = function values at the training points).</summary>
    public static HiddenLayer Sample(double[][] x, double[]? y, int width, ulong seed)
    {
        var pairs = CandidatePairs.Draw(x[0].Length, width, Rng.Derive(seed, "swim/candidates"));
        var probabilities = y is null ? SwimSampler.UniformProbabilities(pairs) : SwimSampler.GradientProbabilities(pairs, x, y);
        var selected = SwimSampler.SelectDistinct(probabilities, width, Rng.Derive(seed, "swim/select"));
        return SwimSampler.Weights(pairs, selected, x);
    }

    /// <summary>
    /// A-SWIM's second stage: SWIM probabilities from the first model's H-hat on the training points, over the same
    /// candidate pairs (same seed).
    /// </summary>
    public static HiddenLayer Resample(Network first, double[][] x, int width, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(first);
        return Sample(x, first.Energy(x), width, seed);
    }
}
