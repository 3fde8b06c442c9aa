namespace Hnn.Datasets;

/// <summary>
/// Lotka–Volterra in logarithmic (canonical) coordinates (1 dof):
/// H = delta e^p - gamma p + beta e^q - alpha q.
/// Registry name <c>lotka-volterra</c>, parameters <c>alpha</c>, <c>beta</c>, <c>gamma</c>, <c>delta</c>
/// (any finite reals). Defaults are the 'zero-centred' set alpha = -2, beta = -1, gamma = -1, delta = -1;
/// <see cref="FiveCentred"/> gives alpha = 3.5, beta = 0.025, gamma = 10, delta = 0.07.
/// </summary>
/// <remarks>
/// The default anchor is (0, 0), the point the reference implementation pins H at. It is not an equilibrium
/// in general; the equilibrium, where it exists, is <see cref="Equilibrium"/> = (ln(alpha/beta), ln(gamma/delta))
/// (for the zero-centred set (ln 2, 0), for the five-centred set about (4.94, 4.96)).
/// H grows like e^q and e^p: far outside the paper's boxes it overflows to infinity.
/// </remarks>
public sealed record LotkaVolterra : HamiltonianSystem
{
    /// <summary>Registry name.</summary>
    public const string RegistryName = "lotka-volterra";

    private readonly double _alpha = -2.0;
    private readonly double _beta = -1.0;
    private readonly double _gamma = -1.0;
    private readonly double _delta = -1.0;

    /// <summary>Creates the system; throws <see cref="ArgumentException"/> for non-finite parameters.</summary>
    public LotkaVolterra(double alpha = -2.0, double beta = -1.0, double gamma = -1.0, double delta = -1.0)
    {
        Alpha = alpha;
        Beta = beta;
        Gamma = gamma;
        Delta = delta;
    }

    /// <summary>The 'zero-centred' parameter set (the defaults): alpha = -2, beta = -1, gamma = -1, delta = -1.</summary>
    public static LotkaVolterra ZeroCentred() => new(-2.0, -1.0, -1.0, -1.0);

    /// <summary>The 'five-centred' parameter set: alpha = 3.5, beta = 0.025, gamma = 10, delta = 0.07.</summary>
    public static LotkaVolterra FiveCentred() => new(3.5, 0.025, 10.0, 0.07);

    /// <summary>Coefficient alpha of -alpha q.</summary>
    public double Alpha { get => _alpha; init => _alpha = Guard.Finite(value, RegistryName, "alpha"); }

    /// <summary>Coefficient beta of beta e^q.</summary>
    public double Beta { get => _beta; init => _beta = Guard.Finite(value, RegistryName, "beta"); }

    /// <summary>Coefficient gamma of -gamma p.</summary>
    public double Gamma { get => _gamma; init => _gamma = Guard.Finite(value, RegistryName, "gamma"); }

    /// <summary>Coefficient delta of delta e^p.</summary>
    public double Delta { get => _delta; init => _delta = Guard.Finite(value, RegistryName, "delta"); }

    /// <summary>
    /// The equilibrium (ln(alpha/beta), ln(gamma/delta)) where grad H = 0, or null when alpha/beta or
    /// gamma/delta is not positive (no equilibrium). Fresh array on every call.
    /// </summary>
    public double[]? Equilibrium
    {
        get
        {
            double rq = Alpha / Beta, rp = Gamma / Delta;
            return rq > 0 && rp > 0 && double.IsFinite(rq) && double.IsFinite(rp) ? [Math.Log(rq), Math.Log(rp)] : null;
        }
    }

    /// <inheritdoc />
    public override string Name => RegistryName;

    /// <inheritdoc />
    public override int Dof => 1;

    /// <inheritdoc />
    public override IReadOnlyDictionary<string, double> Parameters =>
        MakeParameters(("alpha", Alpha), ("beta", Beta), ("gamma", Gamma), ("delta", Delta));

    /// <inheritdoc />
    public override double[]? DefaultAnchor => [0.0, 0.0];

    /// <inheritdoc />
    public override double Energy(ReadOnlySpan<double> x)
    {
        CheckState(x);
        double q = x[0], p = x[1];
        return Delta * Math.Exp(p) - Gamma * p + Beta * Math.Exp(q) - Alpha * q;
    }

    /// <inheritdoc />
    public override void Gradient(ReadOnlySpan<double> x, Span<double> grad)
    {
        CheckState(x, grad);
        grad[0] = Beta * Math.Exp(x[0]) - Alpha;
        grad[1] = Delta * Math.Exp(x[1]) - Gamma;
    }
}
