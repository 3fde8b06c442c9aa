namespace Hnn.Stages.Training;

/// <summary>
/// Where one run's coverage lies in the distribution its band's own model predicts for one run
/// (<see cref="BayesianOutputLayer.ModelCoverageDraws"/>; docs/ALGORITHM.md §2.6 (d)): the 5 / 50 / 95 % quantiles of the
/// draws, the fraction of draws in the window [0.90, 0.99], and the fractions of draws at or below and at or above the
/// observed coverage. The run is <see cref="Consistent"/> with its band when at least 5 % of the draws lie on either side
/// of it, ties included (a coverage of 1.000 is consistent when at least 5 % of the draws are 1.000 too) — the two-sided
/// 10 % test of "this band is right and the run is one draw of it".
/// </summary>
/// <param name="Q05">The 5 % quantile (order statistic (int)(0.05 (draws - 1)) of the sorted draws).</param>
/// <param name="Q50">The median (order statistic (draws - 1) / 2).</param>
/// <param name="Q95">The 95 % quantile (order statistic (int)(0.95 (draws - 1))).</param>
/// <param name="InWindow">The fraction of draws in [0.90, 0.99].</param>
/// <param name="AtOrBelow">The fraction of draws &lt;= the observed coverage.</param>
/// <param name="AtOrAbove">The fraction of draws &gt;= the observed coverage.</param>
public sealed record ModelCoverageRange(double Q05, double Q50, double Q95, double InWindow, double AtOrBelow, double AtOrAbove)
{
    /// <summary>The smallest fraction of draws on either side of the observed coverage for the run to count as consistent.</summary>
    public const double Tail = 0.05;

    /// <summary>At least <see cref="Tail"/> of the draws at or below and at or above the observed coverage.</summary>
    public bool Consistent => AtOrBelow >= Tail && AtOrAbove >= Tail;

    /// <summary>The range of <paramref name="draws"/> (at least one) and where <paramref name="observed"/> lies in it.</summary>
    /// <exception cref="ArgumentException">No draws, or a draw or the observed coverage outside [0, 1] or NaN.</exception>
    public static ModelCoverageRange Of(IReadOnlyList<double> draws, double observed)
    {
        ArgumentNullException.ThrowIfNull(draws);
        if (draws.Count == 0 || !(observed is >= 0 and <= 1) || draws.Any(d => !(d is >= 0 and <= 1)))
        {
            throw new ArgumentException($"{draws.Count} draws and observed coverage {observed}: need at least one draw, all in [0, 1]");
        }

        var sorted = draws.Order().ToArray();
        var n = sorted.Length;
        return new ModelCoverageRange(
            sorted[(int)(0.05 * (n - 1))],
            sorted[(n - 1) / 2],
            sorted[(int)(0.95 * (n - 1))],
            sorted.Count(v => v is >= 0.90 and <= 0.99) / (double)n,
            sorted.Count(v => v <= observed) / (double)n,
            sorted.Count(v => v >= observed) / (double)n);
    }
}
