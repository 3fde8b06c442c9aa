using Hnn.Stages.Model;
using Hnn.Stages.Numerics;

namespace Hnn.Stages.Training;

/// <summary>Result of fitting the output layer.</summary>
/// <param name="Network">The trained network.</param>
/// <param name="Rank">Effective rank after rcond truncation.</param>
public sealed record FitResult(Network Network, int Rank);

/// <summary>
/// Fits the output layer of a sampled HNN (docs/ALGORITHM.md §2.2-2.3): the full dgelsd solve, or the structured solve
/// as its single-lane case (<see cref="StructuredSolve"/> with one lane, every call under <paramref name="la"/>'s threads).
/// </summary>
public static class OutputLayer
{
    /// <summary>Default rows per chunk for the structured solve.</summary>
    public const int DefaultChunkRows = 1024;

    public static FitResult Fit(
        ILinearAlgebra la,
        HiddenLayer hidden,
        double[][] x,
        double[][] dx,
        Anchor anchor,
        double rcond,
        SolveMode mode,
        int chunkRows = DefaultChunkRows,
        Truncation? truncation = null)
    {
        ArgumentNullException.ThrowIfNull(la);
        GradientSystem.CheckData(hidden, x, dx);
        if (!(rcond >= 0) || rcond >= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(rcond), rcond, "rcond must be in [0, 1)");
        }

        if (mode == SolveMode.Full)
        {
            if (truncation is { IsDefault: false })
            {
                throw new ArgumentException($"truncation '{truncation.Name}' applies to the structured solve's reduced triangle only", nameof(truncation));
            }

            var (full, fullRank) = GradientSystem.Solve(la, hidden, GradientSystem.Full(hidden, x, dx, anchor), rcond);
            return new FitResult(full, fullRank);
        }

        if (chunkRows < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(chunkRows), chunkRows, "chunk rows must be at least 1");
        }

        return StructuredSolve.Fit(la, hidden, x, dx, anchor, new StructuredSolveSettings(rcond, chunkRows, 1, truncation ?? Truncation.Default),
            SolveBudget.Sequential(la));
    }
}
