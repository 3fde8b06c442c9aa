namespace Hnn.Datasets;

/// <summary>
/// Mass on a spring (1 dof): H = p^2/(2m) + k (q - q_eq)^2 / 2. Defaults k = m = q_eq = 1 give
/// H = p^2/2 + (q - 1)^2/2. Registry name <c>mass-spring</c>, parameters <c>k</c> (&gt; 0), <c>m</c> (&gt; 0),
/// <c>q_eq</c> (finite). Default anchor: the equilibrium (q_eq, 0).
/// </summary>
public sealed record MassSpring : HamiltonianSystem
{
    /// <summary>Registry name.</summary>
    public const string RegistryName = "mass-spring";

    private readonly double _k = 1.0;
    private readonly double _m = 1.0;
    private readonly double _qEq = 1.0;

    /// <summary>Creates the system; throws <see cref="ArgumentException"/> for invalid parameters.</summary>
    public MassSpring(double k = 1.0, double m = 1.0, double qEq = 1.0)
    {
        K = k;
        M = m;
        QEq = qEq;
    }

    /// <summary>Spring constant k (&gt; 0).</summary>
    public double K { get => _k; init => _k = Guard.Positive(value, RegistryName, "k"); }

    /// <summary>Mass m (&gt; 0).</summary>
    public double M { get => _m; init => _m = Guard.Positive(value, RegistryName, "m"); }

    /// <summary>Rest position q_eq (finite).</summary>
    public double QEq { get => _qEq; init => _qEq = Guard.Finite(value, RegistryName, "q_eq"); }

    /// <inheritdoc />
    public override string Name => RegistryName;

    /// <inheritdoc />
    public override int Dof => 1;

    /// <inheritdoc />
    public override IReadOnlyDictionary<string, double> Parameters => MakeParameters(("k", K), ("m", M), ("q_eq", QEq));

    /// <inheritdoc />
    public override double[]? DefaultAnchor => [QEq, 0.0];

    /// <summary>(1.5, 0), the classic mass-spring example.</summary>
    public override double[]? DefaultRolloutStart => [1.5, 0.0];

    /// <inheritdoc />
    public override double Energy(ReadOnlySpan<double> x)
    {
        CheckState(x);
        double dq = x[0] - QEq, p = x[1];
        return p * p / (2 * M) + K * dq * dq / 2;
    }

    /// <inheritdoc />
    public override void Gradient(ReadOnlySpan<double> x, Span<double> grad)
    {
        CheckState(x, grad);
        grad[0] = K * (x[0] - QEq);
        grad[1] = x[1] / M;
    }
}
