namespace Hnn.Datasets;

/// <summary>
/// Two unit masses, each tied to a wall by a spring k and to each other by a spring kc (2 dof):
/// H = (p1^2 + p2^2)/2 + k (q1^2 + q2^2)/2 + kc (q1 - q2)^2/2.
/// Registry name <c>coupled-oscillators</c>, parameters <c>k</c> (&gt; 0, default 1) and <c>kc</c>
/// (&gt;= 0, default 0.5). Default anchor: the equilibrium 0.
/// </summary>
public sealed record CoupledOscillators : HamiltonianSystem
{
    /// <summary>Registry name.</summary>
    public const string RegistryName = "coupled-oscillators";

    private readonly double _k = 1.0;
    private readonly double _kc = 0.5;

    /// <summary>Creates the system; throws <see cref="ArgumentException"/> for invalid parameters.</summary>
    public CoupledOscillators(double k = 1.0, double kc = 0.5)
    {
        K = k;
        Kc = kc;
    }

    /// <summary>Wall spring constant k (&gt; 0).</summary>
    public double K { get => _k; init => _k = Guard.Positive(value, RegistryName, "k"); }

    /// <summary>Coupling spring constant kc (&gt;= 0).</summary>
    public double Kc { get => _kc; init => _kc = Guard.NonNegative(value, RegistryName, "kc"); }

    /// <inheritdoc />
    public override string Name => RegistryName;

    /// <inheritdoc />
    public override int Dof => 2;

    /// <inheritdoc />
    public override IReadOnlyDictionary<string, double> Parameters => MakeParameters(("k", K), ("kc", Kc));

    /// <inheritdoc />
    public override double[]? DefaultAnchor => [0.0, 0.0, 0.0, 0.0];

    /// <inheritdoc />
    public override double Energy(ReadOnlySpan<double> x)
    {
        CheckState(x);
        double q1 = x[0], q2 = x[1], p1 = x[2], p2 = x[3];
        double dq = q1 - q2;
        return (p1 * p1 + p2 * p2) / 2 + K * (q1 * q1 + q2 * q2) / 2 + Kc * dq * dq / 2;
    }

    /// <inheritdoc />
    public override void Gradient(ReadOnlySpan<double> x, Span<double> grad)
    {
        CheckState(x, grad);
        double q1 = x[0], q2 = x[1];
        double coupling = Kc * (q1 - q2);
        grad[0] = K * q1 + coupling;
        grad[1] = K * q2 - coupling;
        grad[2] = x[2];
        grad[3] = x[3];
    }
}
