using System.Collections.ObjectModel;

namespace Hnn.Datasets;

/// <summary>A closed interval [Lower, Upper] of one coordinate. Checked by <see cref="Domain.Validate"/>.</summary>
public sealed record Interval(double Lower, double Upper)
{
    /// <summary>Culture-invariant <c>[lower, upper]</c>.</summary>
    public override string ToString() => $"[{Guard.Format(Lower)}, {Guard.Format(Upper)}]";
}

/// <summary>
/// An axis-aligned box in phase space: one <see cref="Interval"/> per position q_i (<see cref="Q"/>) and per
/// momentum p_i (<see cref="P"/>). The lists are copied on construction. Equality is by value (element-wise).
/// </summary>
public sealed record Domain
{
    /// <summary>Creates a domain; call <see cref="Validate"/> to check it against a number of degrees of freedom.</summary>
    public Domain(IReadOnlyList<Interval> q, IReadOnlyList<Interval> p)
    {
        ArgumentNullException.ThrowIfNull(q);
        ArgumentNullException.ThrowIfNull(p);
        Q = new ReadOnlyCollection<Interval>(q.ToArray());
        P = new ReadOnlyCollection<Interval>(p.ToArray());
    }

    /// <summary>Intervals for q_1..q_d (index i holds q_{i+1}).</summary>
    public IReadOnlyList<Interval> Q { get; }

    /// <summary>Intervals for p_1..p_d (index i holds p_{i+1}).</summary>
    public IReadOnlyList<Interval> P { get; }

    /// <summary>A domain with the same q interval for every position and the same p interval for every momentum.</summary>
    public static Domain Uniform(int dof, Interval q, Interval p)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dof, 1);
        ArgumentNullException.ThrowIfNull(q);
        ArgumentNullException.ThrowIfNull(p);
        return new Domain(Enumerable.Repeat(q, dof).ToArray(), Enumerable.Repeat(p, dof).ToArray());
    }

    /// <summary>Smallest lower limit over all q and p intervals (NaN if there are none).</summary>
    public double MinLimit => Q.Count + P.Count == 0 ? double.NaN : Q.Concat(P).Min(i => i?.Lower ?? double.NaN);

    /// <summary>Largest upper limit over all q and p intervals (NaN if there are none).</summary>
    public double MaxLimit => Q.Count + P.Count == 0 ? double.NaN : Q.Concat(P).Max(i => i?.Upper ?? double.NaN);

    /// <summary>
    /// Throws <see cref="ArgumentException"/> unless there are exactly <paramref name="dof"/> q and p intervals,
    /// each with finite limits and Lower &lt; Upper. Messages name the field as <c>q[i]</c> / <c>p[i]</c>
    /// (0-based, i.e. q[0] is q1).
    /// </summary>
    public void Validate(int dof)
    {
        if (dof < 1)
        {
            throw new ArgumentException($"Degrees of freedom must be >= 1, got {dof}.", nameof(dof));
        }

        CheckList("q", Q, dof);
        CheckList("p", P, dof);
    }

    private static void CheckList(string field, IReadOnlyList<Interval> intervals, int dof)
    {
        if (intervals.Count != dof)
        {
            throw new ArgumentException(
                $"Domain field '{field}' has {intervals.Count} interval(s) but the system has {dof} degree(s) of freedom; give exactly {dof}.",
                field);
        }

        for (int i = 0; i < intervals.Count; i++)
        {
            string where = $"{field}[{i}] ({field}{i + 1})";
            var interval = intervals[i];
            if (interval is null)
            {
                throw new ArgumentException($"Domain {where} is missing.", field);
            }

            if (!double.IsFinite(interval.Lower) || !double.IsFinite(interval.Upper))
            {
                throw new ArgumentException($"Domain {where} = {interval} has a non-finite limit; limits must be finite.", field);
            }

            if (interval.Lower == interval.Upper)
            {
                throw new ArgumentException($"Domain {where} = {interval} is empty; lower must be < upper.", field);
            }

            if (interval.Lower > interval.Upper)
            {
                throw new ArgumentException($"Domain {where} = {interval} is inverted; lower must be < upper.", field);
            }
        }
    }

    /// <inheritdoc />
    public bool Equals(Domain? other) =>
        other is not null && Q.SequenceEqual(other.Q) && P.SequenceEqual(other.P);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var interval in Q)
        {
            hash.Add(interval);
        }

        hash.Add(-1);
        foreach (var interval in P)
        {
            hash.Add(interval);
        }

        return hash.ToHashCode();
    }

    /// <summary>Culture-invariant <c>Domain { Q = [[a, b], ...], P = [...] }</c>.</summary>
    public override string ToString() =>
        $"Domain {{ Q = [{string.Join(", ", Q)}], P = [{string.Join(", ", P)}] }}";
}
