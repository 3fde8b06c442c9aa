using Hnn.Datasets;
using Hnn.Stages.Model;

namespace Hnn.Stages.Sampling;

/// <summary>
/// A separable hidden layer (<c>model.separable: true</c>, docs/ALGORITHM.md §2.1b) for H = T(p) + V(q): the first
/// ceil(N / 2) neurons (q-neurons) have zero weights on p, the other floor(N / 2) (p-neurons) zero weights on q, so the
/// network is exactly V(q) + T(p). <see cref="QScale"/> and <see cref="PScale"/> are the weight scales s of the two
/// halves (docs/ALGORITHM.md §2.1a; <c>model.weight_scale</c>, or its <c>{q, p}</c> form). The inputs are x = (q, p),
/// q the first half of the coordinates.
/// </summary>
public sealed record SeparableLayer
{
    public SeparableLayer(double qScale = WeightScale.Default, double pScale = WeightScale.Default)
    {
        WeightScale.Check(qScale);
        WeightScale.Check(pScale);
        QScale = qScale;
        PScale = pScale;
    }

    /// <summary>The q-neurons' weight scale.</summary>
    public double QScale { get; }

    /// <summary>The p-neurons' weight scale.</summary>
    public double PScale { get; }

    /// <summary>
    /// A pair is not used for a neuron of a subspace S when |dx_S| &lt;= this fraction of the largest |dx_S| among the
    /// candidates (or &lt;= <see cref="SwimSampler.MinDistance"/>): its weights s ln(3) dx_S / |dx_S|^2 would be huge and
    /// its direction rounding noise.
    /// </summary>
    public const double RelativeMinDistance = 1e-8;

    /// <summary>Number of q-neurons of a layer of width N: ceil(N / 2).</summary>
    public static int QNeurons(int width) => (width + 1) / 2;

    /// <summary>The input coordinates (start, count) of the q part (q = true) or the p part of an input of <paramref name="dim"/> = 2 dof coordinates.</summary>
    public static (int Start, int Count) Part(int dim, bool q)
    {
        if (dim < 2 || dim % 2 != 0)
        {
            throw new ArgumentException($"a separable layer needs inputs (q, p) of even dimension >= 2, not {dim}", nameof(dim));
        }

        return q ? (0, dim / 2) : (dim / 2, dim / 2);
    }

    /// <summary>The weight scale of the q part (q = true) or the p part.</summary>
    public double Scale(bool q) => q ? QScale : PScale;
}

/// <summary>
/// The samplers of docs/ALGORITHM.md §2.1 restricted to a <see cref="SeparableLayer"/>: ELM draws each neuron's weights
/// on its subspace only; the SWIM family selects the q-neurons' pairs and the p-neurons' pairs separately from the same
/// candidates, each with the pair difference projected on its subspace (distance |dx_S|, weights
/// w_S = s ln(3) dx_S / |dx_S|^2, bias so that tanh = -1/2 at x_from's subspace part); pairs with a too small |dx_S|
/// (<see cref="SeparableLayer.RelativeMinDistance"/>) get probability zero for that subspace.
/// </summary>
public static class SeparableSampler
{
    /// <summary>
    /// ELM on the subspaces: neuron by neuron (inputs of its subspace inner) w = s_S N(0, 1), zero off the subspace; then
    /// every bias ~ U(low, high).
    /// </summary>
    public static HiddenLayer Elm(int inputDim, int width, double biasLow, double biasHigh, ulong seed, SeparableLayer layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        SeparableLayer.Part(inputDim, true);
        var nq = SeparableLayer.QNeurons(width);
        return ElmSampler.Sample(inputDim, width, biasLow, biasHigh, seed, j =>
        {
            var (start, count) = SeparableLayer.Part(inputDim, j < nq);
            return (start, count, layer.Scale(j < nq));
        });
    }

    /// <summary>
    /// The pairs' probabilities for the neurons of one subspace: uniform over the usable pairs (<paramref name="y"/> null,
    /// U-SWIM) or proportional to |y_to - y_from| / |dx_S| over them (SWIM; uniform over them when that sum is below
    /// 1e-10 or fewer than <paramref name="needed"/> are positive); zero for the unusable pairs. Throws when fewer than
    /// <paramref name="needed"/> pairs are usable.
    /// </summary>
    public static double[] Probabilities(CandidatePairs pairs, double[][] x, double[]? y, bool q, int needed)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        ArgumentNullException.ThrowIfNull(x);
        var (start, count) = SeparableLayer.Part(x.Length, q);
        var dist = new double[pairs.Count];
        for (var k = 0; k < pairs.Count; k++)
        {
            dist[k] = Math.Sqrt(SwimSampler.SquaredDistance(x, pairs.From[k], pairs.To[k], start, count));
        }

        if (y is not null && y.Length != pairs.PointCount)
        {
            throw new ArgumentException($"{y.Length} function values for {pairs.PointCount} points", nameof(y));
        }

        return Probabilities(dist, y is null ? null : k => Math.Abs(y[pairs.To[k]] - y[pairs.From[k]]), q, needed);
    }

    /// <summary>
    /// As <see cref="Probabilities(CandidatePairs, double[][], double[], bool, int)"/> from the pairs' distances |dx_S|
    /// (<paramref name="dist"/>[k] for candidate k) and, for SWIM, their |y_to - y_from| (<paramref name="dy"/>; null: U-SWIM).
    /// </summary>
    private static double[] Probabilities(double[] dist, Func<int, double>? dy, bool q, int needed)
    {
        double max = 0;
        for (var k = 0; k < dist.Length; k++)
        {
            max = Math.Max(max, dist[k]);
        }

        var threshold = Math.Max(SwimSampler.MinDistance, SeparableLayer.RelativeMinDistance * max);
        var usable = 0;
        for (var k = 0; k < dist.Length; k++)
        {
            usable += dist[k] > threshold ? 1 : 0;
        }

        if (usable < needed)
        {
            throw new InvalidOperationException(
                $"separable layer: only {usable} of {dist.Length} candidate pairs differ in {(q ? "q" : "p")} (|d{(q ? "q" : "p")}| > {threshold:G3}); its {needed} {(q ? "q" : "p")}-neurons need as many distinct pairs");
        }

        var uniform = new double[dist.Length];
        for (var k = 0; k < dist.Length; k++)
        {
            uniform[k] = dist[k] > threshold ? 1.0 / usable : 0;
        }

        if (dy is null)
        {
            return uniform;
        }

        var g = new double[dist.Length];
        double sum = 0;
        var positive = 0;
        for (var k = 0; k < dist.Length; k++)
        {
            if (dist[k] > threshold)
            {
                g[k] = dy(k) / dist[k];
                sum += g[k];
                positive += g[k] > 0 ? 1 : 0;
            }
        }

        if (!(sum >= SwimSampler.UniformFallbackThreshold) || !double.IsFinite(sum) || positive < needed)
        {
            return uniform;
        }

        for (var k = 0; k < g.Length; k++)
        {
            g[k] /= sum;
        }

        return g;
    }

    /// <summary>
    /// The q-neurons' and p-neurons' candidates: ceil(N / 2) and floor(N / 2) distinct candidates (each set distinct on
    /// its own), drawn as <see cref="SwimSampler.SelectDistinct"/> with seeds Derive(seed, "swim/select/q") and
    /// Derive(seed, "swim/select/p").
    /// </summary>
    public static (int[] Q, int[] P) Select(CandidatePairs pairs, double[][] x, double[]? y, int width, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        return Select((q, needed) => Probabilities(pairs, x, y, q, needed), width, seed);
    }

    /// <summary>
    /// U-SWIM's separable selection from the candidates' subspace distances alone, |dx_q| and |dx_p| per candidate (the
    /// streamed path: <see cref="SubspaceDistances"/>): the draws of <see cref="Select"/> with y null, bit for bit.
    /// </summary>
    public static (int[] Q, int[] P) SelectUniform(double[] distQ, double[] distP, int width, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(distQ);
        ArgumentNullException.ThrowIfNull(distP);
        if (distQ.Length != distP.Length)
        {
            throw new ArgumentException($"{distQ.Length} q-distances and {distP.Length} p-distances; one of each per candidate", nameof(distP));
        }

        return Select((q, needed) => Probabilities(q ? distQ : distP, null, q, needed), width, seed);
    }

    /// <summary>The two selections from the subspaces' probabilities (q = true: the q-neurons'), with their seeds.</summary>
    private static (int[] Q, int[] P) Select(Func<bool, int, double[]> probabilities, int width, ulong seed)
    {
        var nq = SeparableLayer.QNeurons(width);
        var np = width - nq;
        var q = SwimSampler.SelectDistinct(probabilities(true, nq), nq, Rng.Derive(seed, "swim/select/q"));
        var p = np == 0 ? [] : SwimSampler.SelectDistinct(probabilities(false, np), np, Rng.Derive(seed, "swim/select/p"));
        return (q, p);
    }

    /// <summary>
    /// The tanh weights through the selected pairs on their subspaces: neuron j &lt; ceil(N / 2) through pair q[j] on q,
    /// the rest through pair p[j - ceil(N / 2)] on p; w_S = s_S ln(3) dx_S / |dx_S|^2 (zero off S), b = -w_S . x_from,S - ln(3) / 2.
    /// </summary>
    public static HiddenLayer Weights(CandidatePairs pairs, int[] q, int[] p, double[][] x, SeparableLayer layer)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        ArgumentNullException.ThrowIfNull(q);
        ArgumentNullException.ThrowIfNull(p);
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(layer);
        var dim = x.Length;
        var width = q.Length + p.Length;
        if (q.Length != SeparableLayer.QNeurons(width))
        {
            throw new ArgumentException($"{q.Length} q-neurons and {p.Length} p-neurons: a separable layer has ceil(N / 2) q-neurons");
        }

        return SwimSampler.Weights(pairs, width, x, j =>
        {
            var isQ = j < q.Length;
            var (start, count) = SeparableLayer.Part(dim, isQ);
            return (isQ ? q[j] : p[j - q.Length], start, count, layer.Scale(isQ));
        });
    }
}
