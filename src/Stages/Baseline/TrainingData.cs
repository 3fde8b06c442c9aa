namespace Hnn.Stages.Baseline;

/// <summary>Shape checks of column-major training data (<c>x[i][k]</c>, <c>dx[i][k]</c>).</summary>
internal static class TrainingData
{
    /// <summary>Throws <see cref="ArgumentException"/> unless x and dx are D = 2d columns of equal length >= 1.</summary>
    public static void Check(double[][] x, double[][] dx)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(dx);
        if (x.Length < 2 || x.Length % 2 != 0)
        {
            throw new ArgumentException($"x has {x.Length} columns; allowed: an even number >= 2 (q_1..q_d, p_1..p_d)", nameof(x));
        }

        if (dx.Length != x.Length)
        {
            throw new ArgumentException($"dx has {dx.Length} columns but x has {x.Length}", nameof(dx));
        }

        var rows = x[0]?.Length ?? 0;
        if (rows < 1)
        {
            throw new ArgumentException("the data have no rows", nameof(x));
        }

        for (var i = 0; i < x.Length; i++)
        {
            if (x[i] is null || x[i].Length != rows)
            {
                throw new ArgumentException($"x column {i} has {x[i]?.Length ?? 0} rows, column 0 has {rows}", nameof(x));
            }

            if (dx[i] is null || dx[i].Length != rows)
            {
                throw new ArgumentException($"dx column {i} has {dx[i]?.Length ?? 0} rows, x has {rows}", nameof(dx));
            }
        }
    }
}
