using Hnn.Datasets;

namespace Hnn.Stages.Rollout;

/// <summary>Batches of initial conditions (column-major, <c>x0[i][m]</c>) for <see cref="Rollouts"/>.</summary>
public static class InitialConditions
{
    /// <summary>Seed label: the draws come from <c>Rng.Derive(seed, "rollout/initial-conditions")</c>.</summary>
    public const string SeedLabel = "rollout/initial-conditions";

    /// <summary>A batch from a fixed list of states, each (q_1..q_d, p_1..p_d) of the same even length &gt;= 2.</summary>
    public static double[][] FromStates(IReadOnlyList<double[]> states)
    {
        ArgumentNullException.ThrowIfNull(states);
        if (states.Count == 0)
        {
            throw new ArgumentException("give at least one initial state", nameof(states));
        }

        var dim = states[0]?.Length ?? 0;
        if (dim < 2 || dim % 2 != 0)
        {
            throw new ArgumentException($"initial state 0 has {dim} coordinates; expected 2d >= 2 (q_1..q_d, p_1..p_d)", nameof(states));
        }

        var x = Batch.New(dim, states.Count);
        for (var m = 0; m < states.Count; m++)
        {
            var state = states[m];
            if (state is null || state.Length != dim)
            {
                throw new ArgumentException($"initial state {m} has {state?.Length ?? 0} coordinates, state 0 has {dim}", nameof(states));
            }

            for (var i = 0; i < dim; i++)
            {
                if (!double.IsFinite(state[i]))
                {
                    throw new ArgumentException($"initial state {m}: coordinate {i} is {state[i]}; states must be finite", nameof(states));
                }

                x[i][m] = state[i];
            }
        }

        return x;
    }

    /// <summary>
    /// <paramref name="count"/> states uniform in the box <paramref name="domain"/> (d = its number of q intervals).
    /// Drawn point after point, coordinates q_1..q_d, p_1..p_d in order, one <see cref="Rng.NextUniform"/> each, from
    /// <c>Rng.Derive(seed, SeedLabel)</c>; so the first m states for a seed do not depend on count.
    /// </summary>
    public static double[][] Uniform(Domain domain, int count, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(domain);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var dof = domain.Q.Count;
        domain.Validate(dof);
        var intervals = domain.Q.Concat(domain.P).ToArray();
        var x = Batch.New(2 * dof, count);
        var rng = new Rng(Rng.Derive(seed, SeedLabel));
        for (var m = 0; m < count; m++)
        {
            for (var i = 0; i < intervals.Length; i++)
            {
                x[i][m] = rng.NextUniform(intervals[i].Lower, intervals[i].Upper);
            }
        }

        return x;
    }
}
