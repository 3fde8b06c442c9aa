using Hnn.Datasets;

namespace Hnn.Stages.Sampling;

/// <summary>Train/test split by a seeded permutation (Fisher-Yates).</summary>
public static class DataSplit
{
    public static (int[] Train, int[] Test) Split(int total, int train, ulong seed)
    {
        if (train < 1 || train > total)
        {
            throw new ArgumentOutOfRangeException(nameof(train), train, $"train count must be in [1, {total}]");
        }

        var perm = new int[total];
        for (var k = 0; k < total; k++)
        {
            perm[k] = k;
        }

        var rng = new Rng(seed);
        for (var k = total - 1; k > 0; k--)
        {
            var j = rng.NextInt(k + 1);
            (perm[k], perm[j]) = (perm[j], perm[k]);
        }

        return (perm[..train], perm[train..]);
    }

    /// <summary>The rows of <paramref name="data"/> at <paramref name="indices"/>, in that order (a new data set).</summary>
    public static DataSet Take(DataSet data, int[] indices)
    {
        ArgumentNullException.ThrowIfNull(data);
        static double[] Gather(double[] col, int[] idx)
        {
            var r = new double[idx.Length];
            for (var k = 0; k < idx.Length; k++)
            {
                r[k] = col[idx[k]];
            }

            return r;
        }

        return new DataSet(
            data.Dof,
            data.X.Select(c => Gather(c, indices)).ToArray(),
            data.Dx.Select(c => Gather(c, indices)).ToArray(),
            Gather(data.H, indices));
    }
}
