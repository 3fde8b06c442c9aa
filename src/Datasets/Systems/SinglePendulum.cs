namespace Hnn.Datasets;

/// <summary>
/// Single pendulum with m = l = g = 1 and frequency f (1 dof): H = p^2/2 + 1 - cos(f q).
/// Registry name <c>single-pendulum</c>, parameter <c>f</c> (&gt; 0, default 1). Default anchor (0, 0).
/// </summary>
public sealed record SinglePendulum : HamiltonianSystem
{
    /// <summary>Registry name.</summary>
    public const string RegistryName = "single-pendulum";

    private readonly double _f = 1.0;

    /// <summary>Creates the system; throws <see cref="ArgumentException"/> unless f is finite and &gt; 0.</summary>
    public SinglePendulum(double f = 1.0) => F = f;

    /// <summary>Frequency f of the potential (finite, &gt; 0).</summary>
    public double F { get => _f; init => _f = Guard.Positive(value, RegistryName, "f"); }

    /// <inheritdoc />
    public override string Name => RegistryName;

    /// <inheritdoc />
    public override int Dof => 1;

    /// <inheritdoc />
    public override IReadOnlyDictionary<string, double> Parameters => MakeParameters(("f", F));

    /// <inheritdoc />
    public override double[]? DefaultAnchor => [0.0, 0.0];

    /// <summary>(pi/2, 0), the classic pendulum example.</summary>
    public override double[]? DefaultRolloutStart => [Math.PI / 2, 0.0];

    /// <inheritdoc />
    public override double Energy(ReadOnlySpan<double> x)
    {
        CheckState(x);
        double p = x[1];
        return p * p / 2 + 1 - Math.Cos(F * x[0]);
    }

    /// <inheritdoc />
    public override void Gradient(ReadOnlySpan<double> x, Span<double> grad)
    {
        CheckState(x, grad);
        grad[0] = F * Math.Sin(F * x[0]);
        grad[1] = x[1];
    }
}
