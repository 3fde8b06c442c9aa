using Hnn.Datasets;

namespace Hnn.Stages.Sampling;

/// <summary>
/// SWIM candidate pairs (docs/ALGORITHM.md §2.1): M = K * n_rep pairs, n_rep = max(1, ceil(N / K)); idx_from uniform in
/// {0..K-1}, idx_to = (idx_from + delta) mod K with delta uniform in {1..K-1}, so from != to.
/// </summary>
public sealed record CandidatePairs(int[] From, int[] To, int PointCount)
{
    public int Count => From.Length;

    public static CandidatePairs Draw(int pointCount, int width, ulong seed) => Draw(pointCount, width, seed, int.MaxValue);

    /// <summary>
    /// As <see cref="Draw(int, int, ulong)"/> but with at most <paramref name="maxCount"/> pairs (the streamed path's cap:
    /// M = K n_rep pairs would not fit in memory for data larger than memory). With maxCount &gt;= K n_rep it draws exactly
    /// the pairs of the uncapped draw; below that, the same scheme with M = maxCount.
    /// </summary>
    public static CandidatePairs Draw(int pointCount, int width, ulong seed, int maxCount)
    {
        Check(pointCount, width, nameof(pointCount));
        var nRep = Math.Max(1, (int)Math.Ceiling(width / (double)pointCount));
        if (maxCount < width)
        {
            throw new ArgumentOutOfRangeException(nameof(maxCount), maxCount, $"at least width = {width} candidates are needed");
        }

        var m = (int)Math.Min((long)pointCount * nRep, maxCount);
        var rng = new Rng(seed);
        var from = DrawFrom(rng, pointCount, m);
        var to = new int[m];

        for (var k = 0; k < m; k++)
        {
            var delta = 1 + rng.NextInt(pointCount - 1);
            to[k] = (from[k] + delta) % pointCount;
        }

        return new CandidatePairs(from, to, pointCount);
    }

    /// <summary>
    /// Pairs across groups (the learned-systems study's `--fput-swim-pairs`; docs/ALGORITHM.md §2.1): the same count
    /// M = K n_rep and the same idx_from as <see cref="Draw(int, int, ulong)"/>, but idx_to uniform among the points of the
    /// other groups (group[k] is point k's trajectory), so no pair joins two observations of one trajectory — neighbouring
    /// observations are close and give ridges with very large weights. Needs at least two groups.
    /// </summary>
    public static CandidatePairs DrawAcross(int[] group, int width, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(group);
        var pointCount = group.Length;
        Check(pointCount, width, nameof(group));

        var members = new Dictionary<int, List<int>>();
        for (var k = 0; k < pointCount; k++)
        {
            if (!members.TryGetValue(group[k], out var list))
            {
                members[group[k]] = list = [];
            }

            list.Add(k); // ascending
        }

        if (members.Count < 2)
        {
            throw new ArgumentException("pairs across trajectories need points of at least two trajectories", nameof(group));
        }

        var nRep = Math.Max(1, (int)Math.Ceiling(width / (double)pointCount));
        var m = checked(pointCount * nRep);
        var rng = new Rng(seed);
        var from = DrawFrom(rng, pointCount, m);
        var to = new int[m];

        for (var k = 0; k < m; k++)
        {
            var own = members[group[from[k]]];
            // The j-th point outside the own group: skip the (ascending) members at or below the running index.
            var index = rng.NextInt(pointCount - own.Count);
            foreach (var member in own)
            {
                if (member > index)
                {
                    break;
                }

                index++;
            }

            to[k] = index;
        }

        return new CandidatePairs(from, to, pointCount);
    }

    private static void Check(int pointCount, int width, string pointsName)
    {
        if (pointCount < 2)
        {
            throw new ArgumentOutOfRangeException(pointsName, pointCount, "SWIM needs at least 2 training points");
        }

        if (width < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(width), width, "width must be at least 1");
        }
    }

    /// <summary>idx_from of m pairs, uniform in {0..K-1}: the first m draws of the pair stream.</summary>
    private static int[] DrawFrom(Rng rng, int pointCount, int m)
    {
        var from = new int[m];
        for (var k = 0; k < m; k++)
        {
            from[k] = rng.NextInt(pointCount);
        }

        return from;
    }

    /// <summary>The distinct point indices (ascending) used by the given candidates (all of them when null).</summary>
    public int[] PointsOf(IEnumerable<int>? candidates = null)
    {
        var points = new HashSet<int>();
        foreach (var k in candidates ?? Enumerable.Range(0, Count))
        {
            points.Add(From[k]);
            points.Add(To[k]);
        }

        var sorted = points.ToArray();
        Array.Sort(sorted);
        return sorted;
    }

    /// <summary>
    /// These pairs (or the given candidates of them, in that order) with point indices renumbered into
    /// <paramref name="points"/>: pair k of the result refers to positions in the subset.
    /// </summary>
    public CandidatePairs Localise(PointSubset points, int[]? candidates = null)
    {
        ArgumentNullException.ThrowIfNull(points);
        var ks = candidates ?? Enumerable.Range(0, Count).ToArray();
        var from = new int[ks.Length];
        var to = new int[ks.Length];
        for (var j = 0; j < ks.Length; j++)
        {
            from[j] = points.Position(From[ks[j]]);
            to[j] = points.Position(To[ks[j]]);
        }

        return new CandidatePairs(from, to, points.Count);
    }
}
