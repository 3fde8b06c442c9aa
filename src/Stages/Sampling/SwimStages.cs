using Hnn.Datasets;
using Hnn.Stages.Model;

namespace Hnn.Stages.Sampling;

/// <summary>
/// The SWIM family as whole stages (docs/ALGORITHM.md §2.1). Seeds: candidates from Derive(seed, "swim/candidates"),
/// selection from Derive(seed, "swim/select"); A-SWIM re-uses both, so it re-samples over the very same
/// candidate set that its U-SWIM first stage used.
/// </summary>
public static class SwimStages
{
    /// <summary>
    /// U-SWIM (<paramref name="y"/> null) or SWIM (y = function values at the training points); weights scaled by
    /// <paramref name="weightScale"/> (<see cref="SwimSampler.Weights"/>; the pairs and their selection do not depend on it).
    /// </summary>
    public static HiddenLayer Sample(double[][] x, double[]? y, int width, ulong seed, double weightScale = 1) => Sample(x, y, width, seed, weightScale, null);

    /// <summary>
    /// As <see cref="Sample(double[][], double[], int, ulong, double)"/>; with <paramref name="trajectoryOfPoint"/> (the
    /// trajectory of each training point) the candidate pairs join points of different trajectories only
    /// (<see cref="CandidatePairs.DrawAcross"/>, same seed); null: the published pairs, bit for bit.
    /// </summary>
    public static HiddenLayer Sample(double[][] x, double[]? y, int width, ulong seed, double weightScale, int[]? trajectoryOfPoint)
    {
        ArgumentNullException.ThrowIfNull(x);
        var pairs = trajectoryOfPoint is null
            ? CandidatePairs.Draw(x[0].Length, width, Rng.Derive(seed, "swim/candidates"))
            : CandidatePairs.DrawAcross(trajectoryOfPoint, width, Rng.Derive(seed, "swim/candidates"));
        var probabilities = y is null ? SwimSampler.UniformProbabilities(pairs) : SwimSampler.GradientProbabilities(pairs, x, y);
        var selected = SwimSampler.SelectDistinct(probabilities, width, Rng.Derive(seed, "swim/select"));
        return SwimSampler.Weights(pairs, selected, x, weightScale);
    }

    /// <summary>
    /// The separable U-SWIM / SWIM layer (<see cref="SeparableSampler"/>): the candidates of <see cref="Sample"/> (same seed),
    /// the q-neurons' and p-neurons' selections from them on their subspaces.
    /// </summary>
    public static HiddenLayer SampleSeparable(double[][] x, double[]? y, int width, ulong seed, SeparableLayer layer)
    {
        ArgumentNullException.ThrowIfNull(x);
        var pairs = CandidatePairs.Draw(x[0].Length, width, Rng.Derive(seed, "swim/candidates"));
        var (q, p) = SeparableSampler.Select(pairs, x, y, width, seed);
        return SeparableSampler.Weights(pairs, q, p, x, layer);
    }

    /// <summary>
    /// The separable selection from fetched points (the streamed path): <paramref name="points"/> holds every point the
    /// pairs touch, <paramref name="y"/> null (U-SWIM) or the values there; returns candidate indices of <paramref name="pairs"/>.
    /// </summary>
    public static (int[] Q, int[] P) SelectSeparable(CandidatePairs pairs, PointSubset points, double[]? y, int width, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        ArgumentNullException.ThrowIfNull(points);
        return SeparableSampler.Select(pairs.Localise(points), points.X, y, width, seed);
    }

    /// <summary>The separable layer's tanh weights through the selected candidates, from the fetched points.</summary>
    public static HiddenLayer WeightsSeparable(CandidatePairs pairs, int[] q, int[] p, PointSubset points, SeparableLayer layer)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        ArgumentNullException.ThrowIfNull(q);
        ArgumentNullException.ThrowIfNull(p);
        ArgumentNullException.ThrowIfNull(points);
        var local = pairs.Localise(points, [.. q, .. p]);
        return SeparableSampler.Weights(local, [.. Enumerable.Range(0, q.Length)], [.. Enumerable.Range(q.Length, p.Length)], points.X, layer);
    }

    /// <summary>
    /// The candidate pairs of <see cref="Sample"/> for K = <paramref name="pointCount"/> points, capped at
    /// <paramref name="maxCandidates"/> (the streamed path; see <see cref="CandidatePairs.Draw(int, int, ulong, int)"/>).
    /// </summary>
    public static CandidatePairs Candidates(int pointCount, int width, ulong seed, int maxCandidates = int.MaxValue) =>
        CandidatePairs.Draw(pointCount, width, Rng.Derive(seed, "swim/candidates"), maxCandidates);

    /// <summary>U-SWIM's selection: <paramref name="width"/> distinct candidates, uniform; needs no point at all.</summary>
    public static int[] SelectUniform(CandidatePairs pairs, int width, ulong seed) =>
        SwimSampler.SelectDistinct(SwimSampler.UniformProbabilities(pairs), width, Rng.Derive(seed, "swim/select"));

    /// <summary>
    /// SWIM's selection from function values at the candidates' points: <paramref name="points"/> holds every point the
    /// pairs touch, <paramref name="y"/> the values there (true H for SWIM, H-hat of the first network for A-SWIM).
    /// </summary>
    public static int[] SelectGradient(CandidatePairs pairs, PointSubset points, double[] y, int width, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        ArgumentNullException.ThrowIfNull(points);
        var local = pairs.Localise(points);
        return SwimSampler.SelectDistinct(SwimSampler.GradientProbabilities(local, points.X, y), width, Rng.Derive(seed, "swim/select"));
    }

    /// <summary>The tanh weights through the selected pairs, from the fetched points (at least those the selection touches).</summary>
    public static HiddenLayer Weights(CandidatePairs pairs, int[] selected, PointSubset points, double weightScale = 1)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        ArgumentNullException.ThrowIfNull(selected);
        ArgumentNullException.ThrowIfNull(points);
        var local = pairs.Localise(points, selected);
        return SwimSampler.Weights(local, [.. Enumerable.Range(0, selected.Length)], points.X, weightScale);
    }
}
