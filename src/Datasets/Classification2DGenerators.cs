namespace Hnn.Datasets;

/// <summary>
/// The 2-D benchmarks of Galimberti et al. (the generators of DecodEPFL/HamiltonianNet, data/datasets.py, re-derived
/// from their definitions): swiss roll, double circles and double moons. Points are generated in the reference's order,
/// shuffled with <paramref name="rng"/>-driven Fisher–Yates (the reference shuffles with torch.randperm), then embedded in
/// nf features. Every random draw comes from the given generator.
/// </summary>
public static class Classification2DGenerators
{
    /// <summary>The names accepted by <see cref="Generate"/>.</summary>
    public static IReadOnlyList<string> Names { get; } = ["swiss_roll", "double_circles", "double_moons"];

    /// <summary>Generates the named set with <paramref name="count"/> points (a multiple of 4) in <paramref name="nf"/> features.</summary>
    public static Classification2D Generate(string name, int count, int nf, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        ArgumentOutOfRangeException.ThrowIfLessThan(nf, 2);
        if (count <= 0 || count % 4 != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(count), $"count must be a positive multiple of 4, got {count}");
        }

        var (points, labels, box) = name switch
        {
            "swiss_roll" => SwissRoll(count),
            "double_circles" => DoubleCircles(count, rng),
            "double_moons" => DoubleMoons(count, rng),
            _ => throw new ArgumentException($"unknown data set '{name}' (known: {string.Join(", ", Names)})", nameof(name)),
        };

        var order = Enumerable.Range(0, count).ToArray();
        rng.Shuffle<int>(order);
        var x = new double[count * nf];
        var shuffled = new int[count];
        for (var i = 0; i < count; i++)
        {
            var src = order[i];
            x[i * nf] = points[2 * src];
            x[(i * nf) + nf - 1] = points[(2 * src) + 1];
            shuffled[i] = labels[src];
        }

        return new Classification2D(name, x, shuffled, nf, box);
    }

    /// <summary>
    /// Two interleaved spirals, no noise: n/2 points r cos(theta), r sin(theta) with r from 0 to 1 (label 1) and from
    /// 0.2 to 1.2 (label 0), theta on 0 .. 4 pi - 4 pi / (n/2), all evenly spaced (torch.linspace). No random draws.
    /// </summary>
    private static (double[] Points, int[] Labels, double[] Box) SwissRoll(int count)
    {
        var half = count / 2;
        var points = new double[2 * count];
        var labels = new int[count];
        var thetaEnd = (4 * Math.PI) - (4 * Math.PI / half);
        for (var i = 0; i < half; i++)
        {
            var t = half == 1 ? 0 : (double)i / (half - 1);
            var theta = t * thetaEnd;
            var r1 = t;
            var r2 = 0.2 + t;
            points[2 * i] = r1 * Math.Cos(theta);
            points[(2 * i) + 1] = r1 * Math.Sin(theta);
            labels[i] = 1;
            points[2 * (half + i)] = r2 * Math.Cos(theta);
            points[(2 * (half + i)) + 1] = r2 * Math.Sin(theta);
        }

        return (points, labels, [-1.2, 1.2, -1.2, 1.2]);
    }

    /// <summary>
    /// Four rings of radius 1, 2, 3, 4 (labels 0, 1, 0, 1), n/4 points each at theta = i / (n/4) 4 * 3.14 (the reference
    /// writes 3.14), each coordinate jittered by 0.6 (u - 0.5), u uniform in [0, 1), drawn x then y, ring by ring.
    /// </summary>
    private static (double[] Points, int[] Labels, double[] Box) DoubleCircles(int count, Rng rng)
    {
        var quarter = count / 4;
        var points = new double[2 * count];
        var labels = new int[count];
        for (var i = 0; i < quarter; i++)
        {
            var theta = (double)i / quarter * 4 * 3.14;
            for (var ring = 0; ring < 4; ring++)
            {
                var r = ring + 1.0;
                var at = (ring * quarter) + i;
                points[2 * at] = (r * Math.Cos(theta)) + (0.6 * (rng.NextDouble() - 0.5));
                points[(2 * at) + 1] = (r * Math.Sin(theta)) + (0.6 * (rng.NextDouble() - 0.5));
                labels[at] = ring % 2;
            }
        }

        return (points, labels, [-5, 5, -5, 5]);
    }

    /// <summary>
    /// Two pairs of interleaved half-moons (labels 0, 1, 0, 1): (cos t, sin t), (1 - cos t, 0.5 - sin t) and the same two
    /// shifted by 2 in x, t = i / (n/4) 3.14, each coordinate jittered by 0.3 (u - 0.5), moon by moon.
    /// </summary>
    private static (double[] Points, int[] Labels, double[] Box) DoubleMoons(int count, Rng rng)
    {
        var quarter = count / 4;
        var points = new double[2 * count];
        var labels = new int[count];
        for (var i = 0; i < quarter; i++)
        {
            var theta = (double)i / quarter * 3.14;
            for (var moon = 0; moon < 4; moon++)
            {
                var upper = moon % 2 == 0;
                var shift = moon < 2 ? 0.0 : 2.0;
                var x = upper ? Math.Cos(theta) : 1 - Math.Cos(theta);
                var y = upper ? Math.Sin(theta) : 0.5 - Math.Sin(theta);
                var at = (moon * quarter) + i;
                points[2 * at] = x + (0.3 * (rng.NextDouble() - 0.5)) + shift;
                points[(2 * at) + 1] = y + (0.3 * (rng.NextDouble() - 0.5));
                labels[at] = moon % 2;
            }
        }

        return (points, labels, [-2, 5, -1, 2]);
    }
}
