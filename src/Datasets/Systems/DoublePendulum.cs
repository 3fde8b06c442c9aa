namespace Hnn.Datasets;

/// <summary>
/// Double pendulum with m1 = m2 = l1 = l2 = g = 1 (2 dof), no parameters:
/// H = (p1^2 + 2 p2^2 - 2 p1 p2 cos(q1 - q2)) / (2 (1 + sin^2(q1 - q2))) - 2 cos q1 - cos q2.
/// Registry name <c>double-pendulum</c>. Default anchor (0, 0, 0, 0) (the stable equilibrium, H = -3).
/// </summary>
public sealed record DoublePendulum : HamiltonianSystem
{
    /// <summary>Registry name.</summary>
    public const string RegistryName = "double-pendulum";

    /// <inheritdoc />
    public override string Name => RegistryName;

    /// <inheritdoc />
    public override int Dof => 2;

    /// <inheritdoc />
    public override IReadOnlyDictionary<string, double> Parameters => MakeParameters();

    /// <inheritdoc />
    public override double[]? DefaultAnchor => [0.0, 0.0, 0.0, 0.0];

    /// <inheritdoc />
    public override double Energy(ReadOnlySpan<double> x)
    {
        CheckState(x);
        double q1 = x[0], q2 = x[1], p1 = x[2], p2 = x[3];
        double d = q1 - q2, s = Math.Sin(d), c = Math.Cos(d);
        double numerator = p1 * p1 + 2 * p2 * p2 - 2 * p1 * p2 * c;
        return numerator / (2 * (1 + s * s)) - 2 * Math.Cos(q1) - Math.Cos(q2);
    }

    /// <inheritdoc />
    public override void Gradient(ReadOnlySpan<double> x, Span<double> grad)
    {
        CheckState(x, grad);
        double q1 = x[0], q2 = x[1], p1 = x[2], p2 = x[3];
        double d = q1 - q2, s = Math.Sin(d), c = Math.Cos(d);
        double w = 1 + s * s;
        double numerator = p1 * p1 + 2 * p2 * p2 - 2 * p1 * p2 * c;
        // T = N / (2 w); dT/dd = (dN/dd) / (2 w) - N (dw/dd) / (2 w^2), dN/dd = 2 p1 p2 s, dw/dd = 2 s c.
        double dTdd = p1 * p2 * s / w - numerator * s * c / (w * w);
        grad[0] = dTdd + 2 * Math.Sin(q1);
        grad[1] = -dTdd + Math.Sin(q2);
        grad[2] = (p1 - p2 * c) / w;
        grad[3] = (2 * p2 - p1 * c) / w;
    }
}
