namespace Hnn.Api;

/// <summary>
/// Where the learned H is pinned: H(<see cref="X0"/>) = <see cref="H0"/> (H is only defined up to a constant by x').
/// </summary>
public sealed class HnnAnchor
{
    /// <summary>Anchors H at <paramref name="x0"/> (2d coordinates q1..qd, p1..pd) to the value <paramref name="h0"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="x0"/> is null.</exception>
    /// <exception cref="ArgumentException">A coordinate or <paramref name="h0"/> is not finite.</exception>
    public HnnAnchor(double[] x0, double h0)
    {
        ArgumentNullException.ThrowIfNull(x0);
        if (x0.Any(v => !double.IsFinite(v)) || !double.IsFinite(h0))
        {
            throw new ArgumentException("the anchor's x0 and h0 must be finite numbers", nameof(x0));
        }

        X0 = (double[])x0.Clone();
        H0 = h0;
    }

    /// <summary>The anchor point (a copy: changing it does not change the anchor).</summary>
    public IReadOnlyList<double> X0 { get; }

    /// <summary>The value of H at <see cref="X0"/>.</summary>
    public double H0 { get; }
}
