using Hnn.Stages.Model;
using Hnn.Stages.Numerics;

namespace Hnn.Stages.Training;

/// <summary>Result of fitting the output layer.</summary>
/// <param name="Network">The trained network.</param>
/// <param name="Rank">Effective rank after rcond truncation.</param>
public sealed record FitResult(Network Network, int Rank);

/// <summary>Fits the output layer of a sampled HNN (sequential reference implementation of docs/ALGORITHM.md §2.2-2.3).</summary>
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
        int chunkRows = DefaultChunkRows)
    {
        ArgumentNullException.ThrowIfNull(la);
        GradientSystem.CheckData(hidden, x, dx);
        if (!(rcond >= 0) || rcond >= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(rcond), rcond, "rcond must be in [0, 1)");
        }

        if (mode == SolveMode.Full)
        {
            var (full, fullRank) = GradientSystem.Solve(la, hidden, GradientSystem.Full(hidden, x, dx, anchor), rcond);
            return new FitResult(full, fullRank);
        }
        else
        {
            if (chunkRows < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(chunkRows), chunkRows, "chunk rows must be at least 1");
            }

            var k = x[0].Length;
            var acc = la.CreateQrAccumulator(hidden.Width + dx.Length);
            for (var start = 0; start < k; start += chunkRows)
            {
                var count = Math.Min(chunkRows, k - start);
                acc.Absorb(GradientSystem.AugmentedBlock(hidden, x, dx, start, count), count);
            }

            var r = acc.GetR(out var rRows);
            var (network, rank) = GradientSystem.SolveReduced(la, hidden, r, rRows, anchor, rcond);
            return new FitResult(network, rank);
        }
    }
}
