namespace Hnn.Datasets;

/// <summary>
/// Fermi–Pasta–Ulam–Tsingou alpha chain of n unit masses with fixed ends (n dof):
/// H = sum_{i=1..n} p_i^2/2 + sum_{i=0..n} [ r_i^2/2 + alpha r_i^3/3 ], r_i = q_{i+1} - q_i, q_0 = q_{n+1} = 0.
/// Registry name <c>harmonic-chain</c>, parameters <c>n</c> (integer in [1, <see cref="MaxN"/>], default 2)
/// and <c>alpha</c> (finite, default 0.25; alpha = 0 is the harmonic chain). Default anchor: the equilibrium 0.
/// </summary>
public sealed record HarmonicChain : HamiltonianSystem
{
    /// <summary>Registry name.</summary>
    public const string RegistryName = "harmonic-chain";

    /// <summary>Largest accepted number of masses.</summary>
    public const int MaxN = 100_000;

    private readonly int _n = 2;
    private readonly double _alpha = 0.25;

    /// <summary>Creates the system; throws <see cref="ArgumentException"/> for invalid parameters.</summary>
    public HarmonicChain(int n = 2, double alpha = 0.25)
    {
        N = n;
        Alpha = alpha;
    }

    /// <summary>Number of moving masses n (= dof).</summary>
    public int N { get => _n; init => _n = Guard.IntegerInRange(value, 1, MaxN, RegistryName, "n"); }

    /// <summary>Cubic (FPUT alpha) coefficient.</summary>
    public double Alpha { get => _alpha; init => _alpha = Guard.Finite(value, RegistryName, "alpha"); }

    /// <inheritdoc />
    public override string Name => RegistryName;

    /// <inheritdoc />
    public override int Dof => N;

    /// <inheritdoc />
    public override IReadOnlyDictionary<string, double> Parameters => MakeParameters(("n", N), ("alpha", Alpha));

    /// <inheritdoc />
    public override double[]? DefaultAnchor => new double[2 * N];

    /// <inheritdoc />
    public override double Energy(ReadOnlySpan<double> x)
    {
        CheckState(x);
        int n = N;
        double h = 0;
        for (int i = 0; i < n; i++)
        {
            double p = x[n + i];
            h += p * p / 2;
        }

        double previous = 0; // q_0
        for (int i = 0; i <= n; i++)
        {
            double next = i < n ? x[i] : 0.0; // q_{i+1}, with q_{n+1} = 0
            double r = next - previous;
            h += r * r / 2 + Alpha * r * r * r / 3;
            previous = next;
        }

        return h;
    }

    /// <inheritdoc />
    public override void Gradient(ReadOnlySpan<double> x, Span<double> grad)
    {
        CheckState(x, grad);
        int n = N;
        // dH/dq_j = V'(r_{j-1}) - V'(r_j) with V'(r) = r + alpha r^2 (j = 1..n, stored at index j-1).
        double previous = 0;
        double forceLeft = 0; // V'(r_{j-1})
        for (int i = 0; i <= n; i++)
        {
            double next = i < n ? x[i] : 0.0;
            double r = next - previous;
            double force = r + Alpha * r * r;
            if (i > 0)
            {
                grad[i - 1] = forceLeft - force;
            }

            forceLeft = force;
            previous = next;
        }

        for (int i = 0; i < n; i++)
        {
            grad[n + i] = x[n + i];
        }
    }
}
