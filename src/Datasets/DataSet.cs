namespace Hnn.Datasets;

/// <summary>
/// Phase-space samples with exact time derivatives and energies, stored column-major:
/// <c>X[i][k]</c> is coordinate i (q_1..q_d, p_1..p_d) of point k, <c>Dx[i][k]</c> its time derivative
/// (dq_1..dq_d, dp_1..dp_d) and <c>H[k]</c> its energy. Equality is by value (element-wise <see cref="double.Equals(double)"/> on the data).
/// The arrays are not copied: treat them as read-only once the data set is built.
/// </summary>
public sealed record DataSet
{
    /// <summary>Creates a data set; throws <see cref="ArgumentException"/> on inconsistent shapes.</summary>
    public DataSet(int dof, double[][] x, double[][] dx, double[] h)
    {
        if (dof < 1)
        {
            throw new ArgumentException($"dof must be >= 1, got {dof}.", nameof(dof));
        }

        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(dx);
        ArgumentNullException.ThrowIfNull(h);
        CheckColumns(x, nameof(x), dof, h.Length);
        CheckColumns(dx, nameof(dx), dof, h.Length);
        Dof = dof;
        X = x;
        Dx = dx;
        H = h;
    }

    /// <summary>Degrees of freedom d.</summary>
    public int Dof { get; }

    /// <summary>Number of points.</summary>
    public int Count => H.Length;

    /// <summary>States, 2d columns of length <see cref="Count"/>.</summary>
    public double[][] X { get; }

    /// <summary>Time derivatives (Hamilton's equations), 2d columns of length <see cref="Count"/>.</summary>
    public double[][] Dx { get; }

    /// <summary>Energies H(x_k).</summary>
    public double[] H { get; }

    /// <summary>
    /// Column names in the order X, Dx, H: q1..qd, p1..pd, dq1..dqd, dp1..dpd, H (as in the reference CSV files).
    /// </summary>
    public static IReadOnlyList<string> ColumnNames(int dof)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dof, 1);
        var names = new List<string>(4 * dof + 1);
        foreach (var prefix in new[] { "q", "p", "dq", "dp" })
        {
            for (int i = 1; i <= dof; i++)
            {
                names.Add(prefix + i.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        names.Add("H");
        return names.AsReadOnly();
    }

    /// <summary>Copies the state of point <paramref name="k"/> into <paramref name="destination"/> (length 2d).</summary>
    public void CopyPoint(int k, Span<double> destination)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(k, Count);
        if (destination.Length != 2 * Dof)
        {
            throw new ArgumentException($"Destination must have length 2*dof = {2 * Dof}, got {destination.Length}.", nameof(destination));
        }

        for (int i = 0; i < X.Length; i++)
        {
            destination[i] = X[i][k];
        }
    }

    private static void CheckColumns(double[][] columns, string name, int dof, int count)
    {
        if (columns.Length != 2 * dof)
        {
            throw new ArgumentException($"'{name}' must have 2*dof = {2 * dof} columns, got {columns.Length}.", name);
        }

        for (int i = 0; i < columns.Length; i++)
        {
            if (columns[i] is null)
            {
                throw new ArgumentException($"'{name}' column {i} is null.", name);
            }

            if (columns[i].Length != count)
            {
                throw new ArgumentException(
                    $"'{name}' column {i} has length {columns[i].Length}, but H has {count} entries.", name);
            }
        }
    }

    /// <inheritdoc />
    public bool Equals(DataSet? other)
    {
        if (ReferenceEquals(this, other))
        {
            return true;
        }

        return other is not null && Dof == other.Dof && Count == other.Count
            && SameColumns(X, other.X) && SameColumns(Dx, other.Dx) && H.AsSpan().SequenceEqual(other.H);
    }

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Dof);
        hash.Add(Count);
        for (int k = 0; k < Math.Min(Count, 8); k++)
        {
            hash.Add(H[k]);
        }

        return hash.ToHashCode();
    }

    /// <summary><c>DataSet { Dof = d, Count = n }</c>.</summary>
    public override string ToString() => $"DataSet {{ Dof = {Dof}, Count = {Count} }}";

    private static bool SameColumns(double[][] a, double[][] b)
    {
        for (int i = 0; i < a.Length; i++)
        {
            if (!a[i].AsSpan().SequenceEqual(b[i]))
            {
                return false;
            }
        }

        return true;
    }
}
