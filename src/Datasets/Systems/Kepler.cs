namespace Hnn.Datasets;

/// <summary>
/// The Kepler problem in 2-D or 3-D (unit mass): H = |p|^2/2 - k/|q|. Registry name <c>kepler</c>, parameters
/// <c>k</c> (&gt; 0, default 1) and <c>dim</c> (2 or 3, default 2; dof = dim). H is singular at q = 0, so a sampling
/// box must keep q away from the origin (<see cref="CheckDomain"/>), or points are drawn in a shell
/// (<see cref="SampleShell"/>). Conserved besides H: the angular momentum L = q x p (a scalar q1 p2 - q2 p1 in 2-D) and
/// the Laplace–Runge–Lenz vector A = p x L - k q/|q| (|A| = k e, e the eccentricity). For H &lt; 0 the orbit is an
/// ellipse with semi-major axis a = -k/(2H) and period 2 pi sqrt(a^3/k). Default anchor (1, 0[, 0]; 0, 0[, 0]) (H = -k);
/// default rollout start (1, 0[, 0]; 0, 1.2[, 0]): an ellipse of eccentricity 0.44 with its perihelion at q = (1, 0).
/// </summary>
public sealed record Kepler : HamiltonianSystem
{
    /// <summary>Registry name.</summary>
    public const string RegistryName = "kepler";

    private readonly double _k = 1.0;
    private readonly int _dim = 2;

    /// <summary>Creates the system; throws <see cref="ArgumentException"/> for invalid parameters.</summary>
    public Kepler(double k = 1.0, int dim = 2)
    {
        K = k;
        Dim = dim;
    }

    /// <summary>Strength k (&gt; 0) of the attraction.</summary>
    public double K { get => _k; init => _k = Guard.Positive(value, RegistryName, "k"); }

    /// <summary>Space dimension (2 or 3).</summary>
    public int Dim { get => _dim; init => _dim = Guard.IntegerInRange(value, 2, 3, RegistryName, "dim"); }

    /// <inheritdoc />
    public override string Name => RegistryName;

    /// <inheritdoc />
    public override int Dof => Dim;

    /// <inheritdoc />
    public override IReadOnlyDictionary<string, double> Parameters => MakeParameters(("k", K), ("dim", Dim));

    /// <inheritdoc />
    public override double[]? DefaultAnchor
    {
        get
        {
            var x = new double[2 * Dim];
            x[0] = 1;
            return x;
        }
    }

    /// <inheritdoc />
    public override double[]? DefaultRolloutStart
    {
        get
        {
            var x = new double[2 * Dim];
            x[0] = 1;
            x[Dim + 1] = 1.2;
            return x;
        }
    }

    /// <inheritdoc />
    public override double Energy(ReadOnlySpan<double> x)
    {
        CheckState(x);
        var d = Dim;
        double q2 = 0, p2 = 0;
        for (var i = 0; i < d; i++)
        {
            q2 += x[i] * x[i];
            p2 += x[d + i] * x[d + i];
        }

        return (p2 / 2) - (K / Math.Sqrt(q2));
    }

    /// <inheritdoc />
    public override void Gradient(ReadOnlySpan<double> x, Span<double> grad)
    {
        CheckState(x, grad);
        var d = Dim;
        double q2 = 0;
        for (var i = 0; i < d; i++)
        {
            q2 += x[i] * x[i];
        }

        var r = Math.Sqrt(q2);
        var f = K / (q2 * r);
        for (var i = 0; i < d; i++)
        {
            grad[i] = f * x[i];
            grad[d + i] = x[d + i];
        }
    }

    /// <summary>Angular momentum L = q x p: one component (q1 p2 - q2 p1) in 2-D, three in 3-D.</summary>
    public double[] AngularMomentum(ReadOnlySpan<double> x)
    {
        CheckState(x);
        if (Dim == 2)
        {
            return [(x[0] * x[3]) - (x[1] * x[2])];
        }

        double q1 = x[0], q2 = x[1], q3 = x[2], p1 = x[3], p2 = x[4], p3 = x[5];
        return [(q2 * p3) - (q3 * p2), (q3 * p1) - (q1 * p3), (q1 * p2) - (q2 * p1)];
    }

    /// <summary>The Laplace–Runge–Lenz vector A = p x L - k q/|q| (Dim components; in 2-D, L along the normal).</summary>
    public double[] RungeLenz(ReadOnlySpan<double> x)
    {
        CheckState(x);
        var d = Dim;
        var l = AngularMomentum(x);
        double q2 = 0;
        for (var i = 0; i < d; i++)
        {
            q2 += x[i] * x[i];
        }

        var r = Math.Sqrt(q2);
        var a = new double[d];
        if (d == 2)
        {
            // p x (L e_z) = (p2 L, -p1 L).
            a[0] = (x[3] * l[0]) - (K * x[0] / r);
            a[1] = (-x[2] * l[0]) - (K * x[1] / r);
        }
        else
        {
            double p1 = x[3], p2 = x[4], p3 = x[5];
            a[0] = (p2 * l[2]) - (p3 * l[1]) - (K * x[0] / r);
            a[1] = (p3 * l[0]) - (p1 * l[2]) - (K * x[1] / r);
            a[2] = (p1 * l[1]) - (p2 * l[0]) - (K * x[2] / r);
        }

        return a;
    }

    /// <summary>Eccentricity e = |A| / k.</summary>
    public double Eccentricity(ReadOnlySpan<double> x)
    {
        var a = RungeLenz(x);
        return Math.Sqrt(a.Sum(v => v * v)) / K;
    }

    /// <summary>The period 2 pi sqrt(a^3 / k), a = -k / (2 H), of a bound orbit of energy <paramref name="energy"/> &lt; 0.</summary>
    public double Period(double energy)
    {
        if (!(energy < 0))
        {
            throw new ArgumentOutOfRangeException(nameof(energy), energy, "only bound orbits (H < 0) have a period");
        }

        var a = -K / (2 * energy);
        return 2 * Math.PI * Math.Sqrt(a * a * a / K);
    }

    /// <summary>
    /// Throws <see cref="ArgumentException"/> (naming the intervals) if the box's q part contains q = 0, where H is
    /// singular: that is exactly when every q interval contains 0.
    /// </summary>
    public override void CheckDomain(Domain domain)
    {
        base.CheckDomain(domain);
        if (domain.Q.All(i => i.Lower <= 0 && i.Upper >= 0))
        {
            throw new ArgumentException(
                $"the q box {string.Join(" x ", domain.Q)} of system '{RegistryName}' contains q = 0, where H = |p|^2/2 - k/|q| is singular; " +
                "move at least one q interval off 0 (e.g. q1 in [0.5, 2]) or sample in a shell (r_min > 0)");
        }
    }

    /// <summary>
    /// <paramref name="count"/> states with q uniform (by area in 2-D, volume in 3-D) in the shell
    /// r_min &lt;= |q| &lt;= r_max and every p_i uniform in <paramref name="p"/>, from a <see cref="Rng"/> seeded by
    /// <paramref name="seed"/>; columns x[i][k] as in <see cref="DataSet"/>. Per point: the radius, the direction
    /// (an angle in 2-D; a normalised N(0, I) vector in 3-D), then p_1..p_d.
    /// </summary>
    public double[][] SampleShell(double rMin, double rMax, Interval p, int count, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(p);
        if (!(rMin > 0) || !(rMax > rMin) || !double.IsFinite(rMax))
        {
            throw new ArgumentException(
                $"the shell of system '{RegistryName}' needs 0 < r_min < r_max (finite), got r_min = {Guard.Format(rMin)}, r_max = {Guard.Format(rMax)}; r_min = 0 would include the singularity q = 0");
        }

        if (!(p.Lower < p.Upper) || !double.IsFinite(p.Lower) || !double.IsFinite(p.Upper))
        {
            throw new ArgumentException($"the p interval {p} must be finite with lower < upper");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var d = Dim;
        var x = new double[2 * d][];
        for (var i = 0; i < x.Length; i++)
        {
            x[i] = new double[count];
        }

        var rng = new Rng(seed);
        var lo = Math.Pow(rMin, d);
        var hi = Math.Pow(rMax, d);
        for (var k = 0; k < count; k++)
        {
            var r = Math.Pow(rng.NextUniform(lo, hi), 1.0 / d);
            if (d == 2)
            {
                var phi = rng.NextUniform(0, 2 * Math.PI);
                x[0][k] = r * Math.Cos(phi);
                x[1][k] = r * Math.Sin(phi);
            }
            else
            {
                double a, b, c, norm;
                do
                {
                    a = rng.NextNormal();
                    b = rng.NextNormal();
                    c = rng.NextNormal();
                    norm = Math.Sqrt((a * a) + (b * b) + (c * c));
                }
                while (norm < 1e-12);
                x[0][k] = r * a / norm;
                x[1][k] = r * b / norm;
                x[2][k] = r * c / norm;
            }

            for (var i = 0; i < d; i++)
            {
                x[d + i][k] = rng.NextUniform(p.Lower, p.Upper);
            }
        }

        return x;
    }
}
