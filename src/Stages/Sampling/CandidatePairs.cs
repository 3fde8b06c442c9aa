using Hnn.Datasets;

namespace Hnn.Stages.Sampling;

/// <summary>
/// SWIM candidate pairs (DESIGN.md §2.1): M = K * n_rep pairs, n_rep = max(1, ceil(N / K)); idx_from uniform in
/// {0..K-1}, idx_to = (idx_from + delta) mod K with delta uniform in {1..K-1}, so from != to.
/// </summary>
public sealed record CandidatePairs(int[] From, int[] To, int PointCount)
{
    public int Count => From.Length;

    public static CandidatePairs Draw(int pointCount, int width, ulong seed)
    {
        if (pointCount < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(pointCount), pointCount, "SWIM needs at least 2 training points");
        }

        if (width < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(width), width, "width must be at least 1");
        }

        var nRep = Math.Max(1, (int)Math.Ceiling(width / (double)pointCount));
        var m = checked(pointCount * nRep);
        var rng = new Rng(seed);
        var from = new int[m];
        var to = new int[m];
        for (var k = 0; k < m; k++)
        {
            from[k] = rng.NextInt(pointCount);
        }

        for (var k = 0; k < m; k++)
        {
            var delta = 1 + rng.NextInt(pointCount - 1);
            to[k] = (from[k] + delta) % pointCount;
        }

        return new CandidatePairs(from, to, pointCount);
    }
}
