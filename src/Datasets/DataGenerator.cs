using System.Globalization;

namespace Hnn.Datasets;

/// <summary>Builds <see cref="DataSet"/>s from a <see cref="HamiltonianSystem"/> (pure; randomness only from the seed).</summary>
public static class DataGenerator
{
    /// <summary>
    /// Samples <paramref name="count"/> points uniformly in the box <paramref name="domain"/> with a
    /// <see cref="Rng"/> seeded by <paramref name="seed"/>, and computes exact Dx and H.
    /// Points are drawn one after another, coordinates q_1..q_d, p_1..p_d in order, one
    /// <see cref="Rng.NextUniform"/> each; hence the first m points for a given seed do not depend on count.
    /// </summary>
    /// <exception cref="ArgumentException">Invalid domain (see <see cref="HamiltonianSystem.CheckDomain"/>), count &lt; 1, or a
    /// non-finite H or Dx at some point (see <see cref="Evaluate"/>).</exception>
    public static DataSet Sample(HamiltonianSystem system, Domain domain, int count, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(system);
        ArgumentNullException.ThrowIfNull(domain);
        if (count < 1)
        {
            throw new ArgumentException($"count must be >= 1, got {count}.", nameof(count));
        }

        int d = system.Dof;
        system.CheckDomain(domain);
        var intervals = domain.Q.Concat(domain.P).ToArray();
        var x = new double[2 * d][];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = new double[count];
        }

        var rng = new Rng(seed);
        for (int k = 0; k < count; k++)
        {
            for (int i = 0; i < intervals.Length; i++)
            {
                x[i][k] = rng.NextUniform(intervals[i].Lower, intervals[i].Upper);
            }
        }

        return Build(system, x);
    }

    /// <summary>
    /// Computes Dx (Hamilton's equations) and H for given points, <c>x[i][k]</c> = coordinate i of point k
    /// (2d columns of equal length). The input columns are copied.
    /// </summary>
    /// <exception cref="ArgumentException">Wrong shape, a non-finite coordinate, or a non-finite H or Dx (e.g.
    /// Lotka–Volterra overflow); the message names the system and the point.</exception>
    public static DataSet Evaluate(HamiltonianSystem system, double[][] x)
    {
        ArgumentNullException.ThrowIfNull(system);
        ArgumentNullException.ThrowIfNull(x);
        int d = system.Dof;
        if (x.Length != 2 * d)
        {
            throw new ArgumentException($"System '{system}' needs 2*dof = {2 * d} columns, got {x.Length}.", nameof(x));
        }

        if (x.Any(column => column is null))
        {
            throw new ArgumentException("A column of x is null.", nameof(x));
        }

        int count = x[0].Length;
        for (int i = 0; i < x.Length; i++)
        {
            if (x[i].Length != count)
            {
                throw new ArgumentException($"Column {i} of x has length {x[i].Length}, column 0 has {count}.", nameof(x));
            }

            for (int k = 0; k < count; k++)
            {
                if (!double.IsFinite(x[i][k]))
                {
                    throw new ArgumentException(
                        $"Point {k} has a non-finite coordinate {DataSet.ColumnNames(d)[i]} = {Guard.Format(x[i][k])}.", nameof(x));
                }
            }
        }

        return Build(system, x.Select(column => (double[])column.Clone()).ToArray());
    }

    private static DataSet Build(HamiltonianSystem system, double[][] x)
    {
        int n = x.Length;
        int count = x[0].Length;
        var dx = new double[n][];
        for (int i = 0; i < n; i++)
        {
            dx[i] = new double[count];
        }

        var h = new double[count];
        var point = new double[n];
        var derivative = new double[n];
        for (int k = 0; k < count; k++)
        {
            for (int i = 0; i < n; i++)
            {
                point[i] = x[i][k];
            }

            double energy = system.Energy(point);
            if (!double.IsFinite(energy))
            {
                throw NonFinite(system, "H", energy, k, point);
            }

            system.TimeDerivative(point, derivative);
            for (int i = 0; i < n; i++)
            {
                if (!double.IsFinite(derivative[i]))
                {
                    throw NonFinite(system, "d" + DataSet.ColumnNames(system.Dof)[i] + "/dt", derivative[i], k, point);
                }

                dx[i][k] = derivative[i];
            }

            h[k] = energy;
        }

        return new DataSet(system.Dof, x, dx, h);
    }

    private static ArgumentException NonFinite(HamiltonianSystem system, string what, double value, int k, double[] point)
    {
        var names = DataSet.ColumnNames(system.Dof);
        string coordinates = string.Join(", ", point.Select((v, i) => $"{names[i]}={v.ToString("R", CultureInfo.InvariantCulture)}"));
        return new ArgumentException(
            $"System '{system}' produced a non-finite {what} = {Guard.Format(value)} at point {k} ({coordinates}); " +
            "shrink the domain or change the parameters.");
    }
}
