namespace Hnn.Stages.Rollout;

/// <summary>
/// Stopping rule of the fixed-point iterations of the implicit integrators. With the scaled update
/// r = max over components of |new - old| / (1 + |new|), an iteration has converged when r &lt;= <see cref="Tolerance"/>,
/// or when r has stopped decreasing (r &gt;= the previous r) while r &lt;= <see cref="StallTolerance"/>: the iteration
/// has then reached the round-off level of the field's evaluations and cannot improve (the usual rule for iterating
/// to round-off, as in Hairer–Lubich–Wanner, Geometric Numerical Integration, §VIII.6). The second clause matters
/// for learned H: a sampled network's large, cancelling output weights leave ~1e-12 of noise in grad H, so with
/// dt = 0.1 the updates stall near 1e-13 and never reach 1e-14. After <see cref="MaxIterations"/> iterations without
/// convergence, or on a non-finite iterate, the step fails with a <see cref="FixedPointNotConvergedException"/>.
/// </summary>
/// <param name="Tolerance">Relative update tolerance, in (0, 1); default 1e-14.</param>
/// <param name="MaxIterations">At least 1; default 100.</param>
/// <param name="StallTolerance">Largest scaled update accepted when the iteration stalls, in [Tolerance, 1); default 1e-10.</param>
public sealed record FixedPointSettings(double Tolerance = 1e-14, int MaxIterations = 100, double StallTolerance = 1e-10)
{
    /// <summary>Tolerance 1e-14, at most 100 iterations, stalls accepted below 1e-10.</summary>
    public static FixedPointSettings Default { get; } = new();

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the field when a setting is out of range.</summary>
    public void Validate()
    {
        if (!(Tolerance > 0 && Tolerance < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(Tolerance), Tolerance, "fixed-point tolerance must be in (0, 1)");
        }

        if (MaxIterations < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxIterations), MaxIterations, "fixed-point max iterations must be >= 1");
        }

        if (!(StallTolerance >= Tolerance && StallTolerance < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(StallTolerance), StallTolerance, $"fixed-point stall tolerance must be in [Tolerance = {Tolerance:0.0e+00}, 1)");
        }
    }
}
