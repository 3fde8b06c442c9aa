namespace Hnn.Stages.Rollout;

/// <summary>Helpers for column-major batches of states (<c>x[coordinate][state]</c>).</summary>
internal static class Batch
{
    /// <summary>Checks that <paramref name="x"/> has <paramref name="dim"/> non-null columns of equal length; returns that length.</summary>
    public static int Check(double[][] x, int dim, string name)
    {
        ArgumentNullException.ThrowIfNull(x, name);
        if (x.Length != dim)
        {
            throw new ArgumentException($"{name} has {x.Length} coordinate column(s), expected 2*dof = {dim}", name);
        }

        var count = -1;
        for (var i = 0; i < x.Length; i++)
        {
            if (x[i] is null)
            {
                throw new ArgumentException($"{name}: column {i} is null", name);
            }

            if (count < 0)
            {
                count = x[i].Length;
            }
            else if (x[i].Length != count)
            {
                throw new ArgumentException($"{name}: column {i} has {x[i].Length} states, column 0 has {count}", name);
            }
        }

        return count;
    }

    /// <summary>Checks that <paramref name="x"/> has <paramref name="dim"/> columns of exactly <paramref name="count"/> states.</summary>
    public static void CheckSame(double[][] x, int dim, int count, string name)
    {
        var c = Check(x, dim, name);
        if (c != count)
        {
            throw new ArgumentException($"{name} has {c} states per column, expected {count}", name);
        }
    }

    /// <summary>Throws if an output batch shares a column array with an input batch.</summary>
    public static void CheckDistinct(double[][] input, double[][] output, string name)
    {
        foreach (var column in output)
        {
            if (Array.IndexOf(input, column) >= 0)
            {
                throw new ArgumentException($"{name} must not share a column array with the input batch", name);
            }
        }
    }

    public static double[][] New(int dim, int count)
    {
        var x = new double[dim][];
        for (var i = 0; i < dim; i++)
        {
            x[i] = new double[count];
        }

        return x;
    }

    public static double[][] Copy(double[][] x)
    {
        var y = new double[x.Length][];
        for (var i = 0; i < x.Length; i++)
        {
            y[i] = (double[])x[i].Clone();
        }

        return y;
    }

    public static void CopyTo(double[][] source, double[][] destination)
    {
        for (var i = 0; i < source.Length; i++)
        {
            source[i].AsSpan().CopyTo(destination[i]);
        }
    }

    public static void Gather(double[][] x, int m, Span<double> point)
    {
        for (var i = 0; i < x.Length; i++)
        {
            point[i] = x[i][m];
        }
    }

    /// <summary>Throws unless every entry is finite; names the coordinate and the state.</summary>
    public static void CheckFinite(double[][] x, string name)
    {
        for (var i = 0; i < x.Length; i++)
        {
            for (var m = 0; m < x[i].Length; m++)
            {
                if (!double.IsFinite(x[i][m]))
                {
                    throw new ArgumentException($"{name}: coordinate {i} of state {m} is {x[i][m]}; states must be finite", name);
                }
            }
        }
    }
}
