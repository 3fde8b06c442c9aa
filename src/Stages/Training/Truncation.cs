using Hnn.Stages.Numerics;

namespace Hnn.Stages.Training;

/// <summary>
/// How the structured solve truncates and solves the reduced (N + 1)-square triangle (config <c>solver.truncation</c>).
/// A variant is a subclass with a name and a <see cref="Solve"/>, registered in <see cref="All"/>: that list is what
/// the config accepts and what the fit key records (a variant other than <see cref="Default"/> enters the key).
/// </summary>
public abstract class Truncation
{
    /// <summary>The SVD truncation (dgelsd: singular values at or below rcond x sigma_max dropped, minimum-norm solution).</summary>
    public static Truncation Svd { get; } = new SvdTruncation();

    /// <summary>The default, <see cref="Svd"/>: results and fit keys as before truncations were selectable.</summary>
    public static Truncation Default => Svd;

    /// <summary>Every registered truncation, the default first. Registering a variant is one entry here.</summary>
    public static IReadOnlyList<Truncation> All { get; } = [Svd, PivotedQrTruncation.Instance];

    /// <summary>The names the config accepts.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. All.Select(t => t.Name)];

    /// <summary>The config name, e.g. "svd".</summary>
    public abstract string Name { get; }

    /// <summary>True for <see cref="Default"/> (which is left out of cache keys, so keys written before stay valid).</summary>
    public bool IsDefault => ReferenceEquals(this, Default);

    /// <summary>The truncation named <paramref name="name"/> (exact, lower case), or null.</summary>
    public static Truncation? Find(string name) => All.FirstOrDefault(t => t.Name == name);

    /// <summary>
    /// Solves the rows x (N + 1) system <paramref name="triangle"/> with rank truncation at <paramref name="rcond"/>;
    /// returns the N + 1 unknowns and the rank kept. Runs every library call through <paramref name="la"/> (its BLAS threads).
    /// </summary>
    public abstract (double[] X, int Rank) Solve(ILinearAlgebra la, LinearSystem triangle, double rcond);

    public override string ToString() => Name;

    private sealed class SvdTruncation : Truncation
    {
        public override string Name => "svd";

        public override (double[] X, int Rank) Solve(ILinearAlgebra la, LinearSystem triangle, double rcond)
        {
            ArgumentNullException.ThrowIfNull(la);
            ArgumentNullException.ThrowIfNull(triangle);
            var result = la.SolveLeastSquares(triangle.A, triangle.Rows, triangle.Cols, triangle.B, 1, rcond);
            return (result.X, result.Rank);
        }
    }
}
