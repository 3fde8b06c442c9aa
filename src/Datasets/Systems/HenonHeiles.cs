namespace Hnn.Datasets;

/// <summary>
/// Hénon–Heiles (2 dof): H = (p1^2 + p2^2)/2 + (q1^2 + q2^2)/2 + alpha (q1^2 q2 - q2^3/3).
/// Registry name <c>henon-heiles</c>, parameter <c>alpha</c> (default 1; the usual range is 0..1 inclusive,
/// any finite real is accepted). Default anchor (0, 0, 0, 0) (the equilibrium, H = 0).
/// </summary>
public sealed record HenonHeiles : HamiltonianSystem
{
    /// <summary>Registry name.</summary>
    public const string RegistryName = "henon-heiles";

    private readonly double _alpha = 1.0;

    /// <summary>Creates the system; throws <see cref="ArgumentException"/> unless alpha is finite.</summary>
    public HenonHeiles(double alpha = 1.0) => Alpha = alpha;

    /// <summary>Strength alpha of the cubic term (finite).</summary>
    public double Alpha { get => _alpha; init => _alpha = Guard.Finite(value, RegistryName, "alpha"); }

    /// <inheritdoc />
    public override string Name => RegistryName;

    /// <inheritdoc />
    public override int Dof => 2;

    /// <inheritdoc />
    public override IReadOnlyDictionary<string, double> Parameters => MakeParameters(("alpha", Alpha));

    /// <inheritdoc />
    public override double[]? DefaultAnchor => [0.0, 0.0, 0.0, 0.0];

    /// <inheritdoc />
    public override double Energy(ReadOnlySpan<double> x)
    {
        CheckState(x);
        double q1 = x[0], q2 = x[1], p1 = x[2], p2 = x[3];
        return (p1 * p1 + p2 * p2) / 2 + (q1 * q1 + q2 * q2) / 2 + Alpha * (q1 * q1 * q2 - q2 * q2 * q2 / 3);
    }

    /// <inheritdoc />
    public override void Gradient(ReadOnlySpan<double> x, Span<double> grad)
    {
        CheckState(x, grad);
        double q1 = x[0], q2 = x[1];
        grad[0] = q1 + 2 * Alpha * q1 * q2;
        grad[1] = q2 + Alpha * (q1 * q1 - q2 * q2);
        grad[2] = x[2];
        grad[3] = x[3];
    }
}
