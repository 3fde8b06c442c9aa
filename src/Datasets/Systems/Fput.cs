namespace Hnn.Datasets;

/// <summary>
/// The Fermi–Pasta–Ulam–Tsingou chain of n unit masses (n dof):
/// H = sum_i p_i^2/2 + sum_springs V(q_i - q_(i+1)), V(r) = r^2/2 + alpha r^3/3 + beta r^4/4, with periodic ends
/// (n springs, q_(n+1) = q_1) or fixed ends (n + 1 springs, q_0 = q_(n+1) = 0). Registry name <c>fput</c>, parameters
/// <c>n</c> (integer in [2, <see cref="MaxN"/>], default 8), <c>alpha</c> (finite, default 0.25), <c>beta</c> (finite,
/// default 0) and <c>periodic</c> (1 periodic, 0 fixed ends; default 1). Default anchor: the equilibrium 0. Default
/// rollout start: all energy in the lowest normal mode (<see cref="LowestModeState"/> with amplitude 1).
/// </summary>
/// <remarks>
/// <c>harmonic-chain(n, alpha)</c> (fixed ends, r = q_(i+1) - q_i) is <c>fput(n, -alpha, 0, periodic 0)</c>: the same H
/// with the opposite sign convention of the bond (checked by a test); it keeps its own name, keys and results.
/// Normal modes: periodic, the real Fourier modes with omega_k = 2 sin(pi k / n), k = 0..n-1, the pair k, n - k
/// sharing a frequency; fixed, Q_k = sqrt(2/(n+1)) sum_j q_j sin(pi j k/(n+1)), omega_k = 2 sin(pi k/(2(n+1))), k = 1..n.
/// </remarks>
public sealed record Fput : HamiltonianSystem
{
    /// <summary>Registry name.</summary>
    public const string RegistryName = "fput";

    /// <summary>Largest accepted number of masses.</summary>
    public const int MaxN = 100_000;

    private readonly int _n = 8;
    private readonly double _alpha = 0.25;
    private readonly double _beta;
    private readonly bool _periodic = true;

    /// <summary>Creates the system; throws <see cref="ArgumentException"/> for invalid parameters.</summary>
    public Fput(int n = 8, double alpha = 0.25, double beta = 0.0, bool periodic = true)
    {
        N = n;
        Alpha = alpha;
        Beta = beta;
        Periodic = periodic;
    }

    /// <summary>Number of masses n (= dof).</summary>
    public int N { get => _n; init => _n = Guard.IntegerInRange(value, 2, MaxN, RegistryName, "n"); }

    /// <summary>Cubic coefficient alpha.</summary>
    public double Alpha { get => _alpha; init => _alpha = Guard.Finite(value, RegistryName, "alpha"); }

    /// <summary>Quartic coefficient beta.</summary>
    public double Beta { get => _beta; init => _beta = Guard.Finite(value, RegistryName, "beta"); }

    /// <summary>Periodic (true) or fixed (false) ends.</summary>
    public bool Periodic { get => _periodic; init => _periodic = value; }

    /// <inheritdoc />
    public override string Name => RegistryName;

    /// <inheritdoc />
    public override int Dof => N;

    /// <inheritdoc />
    public override IReadOnlyDictionary<string, double> Parameters =>
        MakeParameters(("n", N), ("alpha", Alpha), ("beta", Beta), ("periodic", Periodic ? 1 : 0));

    /// <inheritdoc />
    public override double[]? DefaultAnchor => new double[2 * N];

    /// <inheritdoc />
    public override double[]? DefaultRolloutStart => LowestModeState(1.0);

    /// <summary>Number of springs: n (periodic) or n + 1 (fixed).</summary>
    public int Springs => Periodic ? N : N + 1;

    /// <summary>q_j for j = 0..n+1 (1-based masses; the ends per the boundary condition).</summary>
    private double Q(ReadOnlySpan<double> x, int j) =>
        j >= 1 && j <= N ? x[j - 1] : Periodic ? x[((j - 1 + N) % N)] : 0.0;

    /// <summary>Extension r_s = q_s - q_(s+1) of spring s (periodic s = 1..n; fixed s = 0..n).</summary>
    private double Stretch(ReadOnlySpan<double> x, int s) => Q(x, s) - Q(x, s + 1);

    private int FirstSpring => Periodic ? 1 : 0;

    /// <inheritdoc />
    public override double Energy(ReadOnlySpan<double> x)
    {
        CheckState(x);
        double h = 0;
        for (var i = 0; i < N; i++)
        {
            var p = x[N + i];
            h += p * p / 2;
        }

        for (var s = FirstSpring; s < FirstSpring + Springs; s++)
        {
            var r = Stretch(x, s);
            var r2 = r * r;
            h += (r2 / 2) + (Alpha * r2 * r / 3) + (Beta * r2 * r2 / 4);
        }

        return h;
    }

    /// <inheritdoc />
    public override void Gradient(ReadOnlySpan<double> x, Span<double> grad)
    {
        CheckState(x, grad);

        // dH/dq_j = V'(r_j) - V'(r_(j-1)), r_s = q_s - q_(s+1), V'(r) = r + alpha r^2 + beta r^3.
        for (var j = 1; j <= N; j++)
        {
            grad[j - 1] = Force(Stretch(x, j)) - Force(Stretch(x, j - 1));
        }

        for (var i = 0; i < N; i++)
        {
            grad[N + i] = x[N + i];
        }
    }

    private double Force(double r) => r + (Alpha * r * r) + (Beta * r * r * r);

    /// <summary>Angular frequency of normal mode k (periodic k = 0..n-1, fixed k = 1..n) of the linear chain.</summary>
    public double ModeFrequency(int k) =>
        Periodic ? 2 * Math.Sin(Math.PI * k / N) : 2 * Math.Sin(Math.PI * k / (2.0 * (N + 1)));

    /// <summary>
    /// The normal-mode amplitudes (Q_k, P_k) of a state: periodic k = 0..n-1 (k = 0 the centre of mass; 1 &lt;= k &lt; n/2 the cosine
    /// and n - k the sine mode of wavenumber k; k = n/2 for even n the alternating mode), fixed k = 1..n at index k - 1.
    /// An orthogonal change of variables, so sum_k (P_k^2 + omega_k^2 Q_k^2)/2 is the quadratic part of H.
    /// </summary>
    public (double[] Q, double[] P) Modes(ReadOnlySpan<double> x)
    {
        CheckState(x);
        var q = new double[N];
        var p = new double[N];
        for (var k = 0; k < N; k++)
        {
            double sq = 0, sp = 0;
            for (var j = 1; j <= N; j++)
            {
                var e = Basis(k, j);
                sq += e * x[j - 1];
                sp += e * x[N + j - 1];
            }

            q[k] = sq;
            p[k] = sp;
        }

        return (q, p);
    }

    /// <summary>Entry j (1-based mass) of the orthonormal mode vector with index k (see <see cref="Modes"/>).</summary>
    public double Basis(int k, int j)
    {
        if (!Periodic)
        {
            return Math.Sqrt(2.0 / (N + 1)) * Math.Sin(Math.PI * j * (k + 1) / (N + 1));
        }

        if (k == 0)
        {
            return 1 / Math.Sqrt(N);
        }

        if (2 * k == N)
        {
            return (j % 2 == 0 ? 1 : -1) / Math.Sqrt(N);
        }

        return 2 * k < N
            ? Math.Sqrt(2.0 / N) * Math.Cos(2 * Math.PI * j * k / N)
            : Math.Sqrt(2.0 / N) * Math.Sin(2 * Math.PI * j * (N - k) / N);
    }

    /// <summary>
    /// Harmonic energy per wavenumber: periodic, floor(n/2) + 1 entries for wavenumbers 0..floor(n/2) (cosine and sine
    /// modes of one wavenumber summed); fixed, n entries for modes 1..n. E = (P^2 + omega^2 Q^2)/2 per mode.
    /// </summary>
    public double[] ModeEnergies(ReadOnlySpan<double> x)
    {
        var (q, p) = Modes(x);
        if (!Periodic)
        {
            var e = new double[N];
            for (var k = 0; k < N; k++)
            {
                var w = ModeFrequency(k + 1);
                e[k] = ((p[k] * p[k]) + (w * w * q[k] * q[k])) / 2;
            }

            return e;
        }

        var energies = new double[(N / 2) + 1];
        for (var k = 0; k < N; k++)
        {
            var w = ModeFrequency(k);
            var wavenumber = 2 * k <= N ? k : N - k;
            energies[wavenumber] += ((p[k] * p[k]) + (w * w * q[k] * q[k])) / 2;
        }

        return energies;
    }

    /// <summary>
    /// The state at rest with displacement <paramref name="amplitude"/> times the lowest non-trivial mode vector scaled to
    /// a unit maximum: periodic q_j = A cos(2 pi j / n), fixed q_j = A sin(pi j / (n + 1)); p = 0.
    /// </summary>
    public double[] LowestModeState(double amplitude)
    {
        var x = new double[2 * N];
        for (var j = 1; j <= N; j++)
        {
            x[j - 1] = amplitude * (Periodic ? Math.Cos(2 * Math.PI * j / N) : Math.Sin(Math.PI * j / (N + 1)));
        }

        return x;
    }
}
