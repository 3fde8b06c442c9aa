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

    /// <summary>
    /// <paramref name="count"/> states on the energy surface H = <paramref name="energy"/>: q uniform in the q box of
    /// <paramref name="domain"/>, p drawn uniform in its p box and then rescaled along its direction, p &lt;- lambda p
    /// with lambda &gt;= 0 found by bisection so that H(q, lambda p) = energy (to 1e-13 relative in lambda). Draws with
    /// H(q, 0) &gt; energy, or p = 0, or no lambda up to 2^40 reaching the energy, are rejected and redrawn. So the rescaled
    /// p may leave the p box. Works for any continuous H (the bisection keeps H(q, lo p) &lt;= energy &lt;= H(q, hi p)); with
    /// a kinetic energy that grows along rays in p (all the mechanical systems) the surface point is unique. Same draw
    /// order and seed label as <see cref="Uniform"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">More than <paramref name="maxAttempts"/> draws were rejected; the
    /// message names the energy and the minimum of H seen over the draws' q.</exception>
    public static double[][] OnEnergySurface(HamiltonianField field, Domain domain, double energy, int count, ulong seed, int maxAttempts = 100_000)
    {
        ArgumentNullException.ThrowIfNull(field);
        ArgumentNullException.ThrowIfNull(domain);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxAttempts, 1);
        if (!double.IsFinite(energy))
        {
            throw new ArgumentOutOfRangeException(nameof(energy), energy, "the energy must be finite");
        }

        var dof = field.Dof;
        domain.Validate(dof);
        var intervals = domain.Q.Concat(domain.P).ToArray();
        var dim = 2 * dof;
        var x = Batch.New(dim, count);
        var point = Batch.New(dim, 1);
        var h = new double[1];
        var direction = new double[dof];
        var rng = new Rng(Rng.Derive(seed, SeedLabel));
        var lowest = double.PositiveInfinity;
        var attempts = 0;

        double EnergyAt(double lambda)
        {
            for (var i = 0; i < dof; i++)
            {
                point[dof + i][0] = lambda * direction[i];
            }

            field.Energy(point, h);
            return h[0];
        }

        for (var m = 0; m < count;)
        {
            if (++attempts > maxAttempts)
            {
                throw new InvalidOperationException(
                    $"no state with H = {energy:g6} found in {maxAttempts} draws (lowest H(q, 0) seen {lowest:g6}); " +
                    "choose an energy above the potential's minimum over the q box, or a larger box.");
            }

            for (var i = 0; i < dim; i++)
            {
                var v = rng.NextUniform(intervals[i].Lower, intervals[i].Upper);
                if (i < dof)
                {
                    point[i][0] = v;
                }
                else
                {
                    direction[i - dof] = v;
                }
            }

            var atRest = EnergyAt(0);
            lowest = Math.Min(lowest, atRest);
            if (!(atRest <= energy) || direction.All(v => v == 0))
            {
                continue;
            }

            double lo = 0, hi = 1;
            while (EnergyAt(hi) < energy && hi < 1099511627776.0)
            {
                lo = hi;
                hi *= 2;
            }

            if (!(EnergyAt(hi) >= energy))
            {
                continue;
            }

            while (hi - lo > 1e-13 * hi)
            {
                var mid = 0.5 * (lo + hi);
                if (EnergyAt(mid) < energy)
                {
                    lo = mid;
                }
                else
                {
                    hi = mid;
                }
            }

            var lambda = 0.5 * (lo + hi);
            for (var i = 0; i < dof; i++)
            {
                x[i][m] = point[i][0];
                x[dof + i][m] = lambda * direction[i];
            }

            m++;
        }

        return x;
    }
}
