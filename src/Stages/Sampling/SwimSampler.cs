using Hnn.Datasets;
using Hnn.Stages.Model;

namespace Hnn.Stages.Sampling;

/// <summary>
/// SWIM / U-SWIM / A-SWIM hidden layers (docs/ALGORITHM.md §2.1). Pure functions of the data, the candidate pairs and a seed.
/// </summary>
public static class SwimSampler
{
    /// <summary>Smallest pair distance (docs/ALGORITHM.md §2.1: dist = max(||x_to - x_from||, 1e-10)).</summary>
    public const double MinDistance = 1e-10;

    /// <summary>Below this total the SWIM probabilities fall back to uniform.</summary>
    public const double UniformFallbackThreshold = 1e-10;

    private static readonly double Ln3 = Math.Log(3.0);

    /// <summary>Uniform probabilities (U-SWIM).</summary>
    public static double[] UniformProbabilities(CandidatePairs pairs)
    {
        var p = new double[pairs.Count];
        Array.Fill(p, 1.0 / pairs.Count);
        return p;
    }

    /// <summary>
    /// SWIM probabilities: proportional to |y_to - y_from| / dist (one output, y = H or an approximation of it);
    /// uniform when their sum is below 1e-10.
    /// </summary>
    public static double[] GradientProbabilities(CandidatePairs pairs, double[][] x, double[] y)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        if (y.Length != pairs.PointCount)
        {
            throw new ArgumentException($"{y.Length} function values for {pairs.PointCount} points", nameof(y));
        }

        var g = new double[pairs.Count];
        double sum = 0;
        for (var k = 0; k < pairs.Count; k++)
        {
            int a = pairs.From[k], b = pairs.To[k];
            var dist = Math.Max(Math.Sqrt(SquaredDistance(x, a, b, 0, x.Length)), MinDistance);
            g[k] = Math.Abs(y[b] - y[a]) / dist;
            sum += g[k];
        }

        if (!(sum >= UniformFallbackThreshold) || !double.IsFinite(sum))
        {
            return UniformProbabilities(pairs);
        }

        for (var k = 0; k < g.Length; k++)
        {
            g[k] /= sum;
        }

        return g;
    }

    /// <summary>
    /// Draws <paramref name="width"/> distinct candidate indices: draw with replacement from the categorical
    /// distribution, then re-draw the duplicate positions until all are distinct. When fewer than width candidates
    /// have positive probability (one too small to change the running sum counts as zero), all of them are taken and
    /// the rest are drawn uniformly from the others.
    /// </summary>
    public static int[] SelectDistinct(double[] probabilities, int width, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(probabilities);
        if (width > probabilities.Length)
        {
            throw new ArgumentException($"cannot select {width} distinct candidates out of {probabilities.Length}", nameof(width));
        }

        var rng = new Rng(seed);
        var cumulative = new double[probabilities.Length];
        double total = 0;
        var positive = 0;
        for (var k = 0; k < probabilities.Length; k++)
        {
            var pk = probabilities[k];
            if (!(pk >= 0) || !double.IsFinite(pk))
            {
                throw new ArgumentException($"probability {k} is {pk}; probabilities must be finite and >= 0", nameof(probabilities));
            }

            // Only an entry that raises the running total can ever be drawn: a positive pk below its resolution
            // counts as zero here, or the duplicate re-draw below could never finish.
            var next = total + pk;
            if (next > total)
            {
                positive++;
            }

            total = next;
            cumulative[k] = total;
        }

        if (positive < width)
        {
            return SelectWithFill(cumulative, width, rng);
        }

        var chosen = new int[width];
        for (var j = 0; j < width; j++)
        {
            chosen[j] = Draw(cumulative, total, rng);
        }

        var seen = new HashSet<int>(width);
        var redraw = new List<int>();
        while (true)
        {
            seen.Clear();
            redraw.Clear();
            for (var j = 0; j < width; j++)
            {
                if (!seen.Add(chosen[j]))
                {
                    redraw.Add(j);
                }
            }

            if (redraw.Count == 0)
            {
                return chosen;
            }

            foreach (var j in redraw)
            {
                chosen[j] = Draw(cumulative, total, rng);
            }
        }
    }

    /// <summary>
    /// tanh weights through a pair: w = s ln(3) (x_to - x_from) / ||x_to - x_from||^2, b = -w . x_from - ln(3)/2,
    /// so that tanh(z(x_from)) = -1/2 and tanh(z(x_to)) = tanh(s ln(3) - ln(3)/2) (+1/2 for the published s = 1;
    /// s = <paramref name="weightScale"/>, <c>model.weight_scale</c>, docs/ALGORITHM.md §2.1a; s = 1 is the published layer bit for bit).
    /// </summary>
    public static HiddenLayer Weights(CandidatePairs pairs, int[] selected, double[][] x, double weightScale = 1)
    {
        ArgumentNullException.ThrowIfNull(selected);
        WeightScale.Check(weightScale);
        var dim = x.Length;
        return Weights(pairs, selected.Length, x, j => (selected[j], 0, dim, weightScale));
    }

    /// <summary>
    /// The tanh weights of <paramref name="width"/> neurons, neuron j through pair Pair on the input coordinates
    /// [Start, Start + Count) with scale Scale (zero weights elsewhere): w_S = s ln(3) dx_S / |dx_S|^2,
    /// b = -w_S . x_from,S - ln(3)/2. The full layer is every neuron on all coordinates; the separable layer
    /// (<see cref="SeparableSampler"/>) puts each neuron on its subspace.
    /// </summary>
    internal static HiddenLayer Weights(CandidatePairs pairs, int width, double[][] x, Func<int, (int Pair, int Start, int Count, double Scale)> neuron)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        ArgumentNullException.ThrowIfNull(x);
        var dim = x.Length;
        var weights = new double[dim][];
        for (var i = 0; i < dim; i++)
        {
            weights[i] = new double[width];
        }

        var biases = new double[width];
        for (var j = 0; j < width; j++)
        {
            var (k, start, count, scale) = neuron(j);
            int a = pairs.From[k], b = pairs.To[k];
            var d2 = Math.Max(SquaredDistance(x, a, b, start, count), MinDistance * MinDistance);
            var scaledLn3 = scale * Ln3;
            var bias = -Ln3 / 2;
            for (var i = start; i < start + count; i++)
            {
                var w = scaledLn3 * (x[i][b] - x[i][a]) / d2;
                weights[i][j] = w;
                bias -= w * x[i][a];
            }

            biases[j] = bias;
        }

        return new HiddenLayer(weights, biases);
    }

    /// <summary>|x_b - x_a|^2 over the input coordinates [start, start + count).</summary>
    internal static double SquaredDistance(double[][] x, int a, int b, int start, int count)
    {
        double s = 0;
        for (var i = start; i < start + count; i++)
        {
            var d = x[i][b] - x[i][a];
            s += d * d;
        }

        return s;
    }

    /// <summary>Smallest index whose cumulative probability exceeds u (so never a zero-probability entry).</summary>
    private static int Draw(double[] cumulative, double total, Rng rng)
    {
        var u = rng.NextDouble() * total;
        int lo = 0, hi = cumulative.Length - 1;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (cumulative[mid] > u)
            {
                hi = mid;
            }
            else
            {
                lo = mid + 1;
            }
        }

        // Rounding can put u at the very top: step back to the last entry with positive probability.
        while (lo > 0 && cumulative[lo] == cumulative[lo - 1])
        {
            lo--;
        }

        return lo;
    }

    private static int[] SelectWithFill(double[] cumulative, int width, Rng rng)
    {
        var result = new List<int>(width);
        var rest = new List<int>();
        for (var k = 0; k < cumulative.Length; k++)
        {
            (cumulative[k] > (k == 0 ? 0 : cumulative[k - 1]) ? result : rest).Add(k);
        }

        // Partial Fisher-Yates over the zero-probability candidates.
        for (var j = 0; result.Count < width; j++)
        {
            var pick = j + rng.NextInt(rest.Count - j);
            (rest[j], rest[pick]) = (rest[pick], rest[j]);
            result.Add(rest[j]);
        }

        return [.. result];
    }
}
