using Hnn.Datasets;
using Xunit;

namespace Hnn.Tests.Datasets;

public class HamiltonianSystemTests
{
    public static TheoryData<string> SystemIds => PaperSystems.Ids();

    [Fact]
    public void EveryRegisteredSystemIsCovered()
    {
        var covered = PaperSystems.All.Select(e => e.System.Name).Distinct().Order().ToArray();
        Assert.Equal(SystemRegistry.Names.Order().ToArray(), covered);
    }

    /// <summary>
    /// Expected value: central finite difference (H(x + h e_i) - H(x - h e_i)) / (2h) of <see cref="HamiltonianSystem.Energy"/>,
    /// h = 1e-5 · max(1, |x_i|); truncation O(h^2) and round-off ~1e-16·|H|/h are both far below the tolerance.
    /// </summary>
    [Theory]
    [MemberData(nameof(SystemIds))]
    public void GradientMatchesCentralFiniteDifferences(string id)
    {
        var (system, domain) = PaperSystems.Get(id);
        var rng = new Rng(Rng.Derive(20240611, id));
        var intervals = domain.Q.Concat(domain.P).ToArray();
        int n = 2 * system.Dof;
        var x = new double[n];
        var grad = new double[n];
        var shifted = new double[n];

        for (int trial = 0; trial < 20; trial++)
        {
            for (int i = 0; i < n; i++)
            {
                x[i] = rng.NextUniform(intervals[i].Lower, intervals[i].Upper);
            }

            system.Gradient(x, grad);
            for (int i = 0; i < n; i++)
            {
                double h = 1e-5 * Math.Max(1, Math.Abs(x[i]));
                x.CopyTo(shifted, 0);
                shifted[i] = x[i] + h;
                double plus = system.Energy(shifted);
                shifted[i] = x[i] - h;
                double minus = system.Energy(shifted);
                double fd = (plus - minus) / (2 * h);
                double tolerance = 1e-6 * Math.Max(1, Math.Abs(grad[i]));
                Assert.True(Math.Abs(fd - grad[i]) <= tolerance,
                    $"{id}: dH/dx[{i}] at [{string.Join(", ", x)}]: analytic {grad[i]:R}, finite difference {fd:R}");
            }
        }
    }

    /// <summary>dH/dt = grad H · J grad H = 0: the flow of Hamilton's equations is tangent to level sets of H.</summary>
    [Theory]
    [MemberData(nameof(SystemIds))]
    public void TimeDerivativeIsOrthogonalToGradient(string id)
    {
        var (system, domain) = PaperSystems.Get(id);
        var data = DataGenerator.Sample(system, domain, 50, 7);
        var x = new double[2 * system.Dof];
        var grad = new double[x.Length];
        var dx = new double[x.Length];
        for (int k = 0; k < data.Count; k++)
        {
            data.CopyPoint(k, x);
            system.Gradient(x, grad);
            system.TimeDerivative(x, dx);
            double dot = 0, scale = 0;
            for (int i = 0; i < x.Length; i++)
            {
                dot += grad[i] * dx[i];
                scale += grad[i] * grad[i];
            }

            Assert.True(Math.Abs(dot) <= 1e-12 * Math.Max(1, scale), $"{id}: grad·dx = {dot}");
        }
    }

    [Fact]
    public void MassSpringFollowsHamiltonsEquationsSignConvention()
    {
        var system = new MassSpring();
        var dx = new double[2];
        system.TimeDerivative([3.0, 0.5], dx);
        Assert.Equal(0.5, dx[0], 15);          // dq/dt = dH/dp = p
        Assert.Equal(-(3.0 - 1.0), dx[1], 15); // dp/dt = -dH/dq = -(q - 1)
    }

    [Fact]
    public void HenonHeilesTimeDerivativeHasDofBlockLayout()
    {
        var dx = new double[4];
        new HenonHeiles().TimeDerivative([1.0, 2.0, 3.0, 4.0], dx);
        // dq = (p1, p2); dp = -(q1 + 2 q1 q2, q2 + q1^2 - q2^2) = -(5, -1).
        Assert.Equal([3.0, 4.0, -5.0, 1.0], dx);
    }

    [Theory]
    [InlineData(Math.PI, 0.0, 2.0)]
    [InlineData(0.0, 0.0, 0.0)]
    [InlineData(Math.PI / 2, 2.0, 3.0)] // 4/2 + 1 - cos(pi/2)
    public void SinglePendulumKnownValues(double q, double p, double expected) =>
        Assert.Equal(expected, new SinglePendulum().Energy([q, p]), 12);

    [Fact]
    public void SinglePendulumFrequencyScalesTheAngle() =>
        Assert.Equal(2.0, new SinglePendulum(2).Energy([Math.PI / 2, 0.0]), 12);

    [Fact]
    public void MassSpringKnownValues()
    {
        Assert.Equal(0.0, new MassSpring().Energy([1.0, 0.0]));
        Assert.Equal(2.5, new MassSpring().Energy([3.0, 1.0]), 15);                 // 1/2 + 4/2
        Assert.Equal(2.0, new MassSpring(2, 0.5, -1).Energy([0.0, 1.0]), 15);      // 1/(2*0.5) + 2*(0+1)^2/2
    }

    [Fact]
    public void HenonHeilesHandComputedValue()
    {
        // (9 + 16)/2 + (1 + 4)/2 + 1 * (1*2 - 8/3) = 12.5 + 2.5 - 2/3
        Assert.Equal(15.0 - 2.0 / 3.0, new HenonHeiles().Energy([1.0, 2.0, 3.0, 4.0]), 12);
        Assert.Equal(15.0, new HenonHeiles(0).Energy([1.0, 2.0, 3.0, 4.0]), 12);
    }

    [Fact]
    public void DoublePendulumKnownValues()
    {
        var system = new DoublePendulum();
        Assert.Equal(-3.0, system.Energy([0.0, 0.0, 0.0, 0.0]), 15);
        // q1 - q2 = pi/2: sin = 1, cos = 0 -> T = p1^2 / 4; V = -2 cos(pi/2) - cos 0 = -1.
        Assert.Equal(0.25 - 1.0, system.Energy([Math.PI / 2, 0.0, 1.0, 0.0]), 12);
        // Upright: V = 2 + 1.
        Assert.Equal(3.0, system.Energy([Math.PI, Math.PI, 0.0, 0.0]), 12);
    }

    [Fact]
    public void LotkaVolterraKnownValuesAndEquilibrium()
    {
        var zero = LotkaVolterra.ZeroCentred();
        Assert.Equal(zero, new LotkaVolterra());
        Assert.Equal(-2.0, zero.Energy([0.0, 0.0]), 15); // delta + beta
        var eq = zero.Equilibrium!;
        Assert.Equal(Math.Log(2), eq[0], 15);
        Assert.Equal(0.0, eq[1], 15);
        var grad = new double[2];
        zero.Gradient(eq, grad);
        Assert.Equal(0.0, grad[0], 14);
        Assert.Equal(0.0, grad[1], 14);

        var five = LotkaVolterra.FiveCentred();
        Assert.Equal(0.025 + 0.07, five.Energy([0.0, 0.0]), 15);
        Assert.InRange(five.Equilibrium![0], 4.9, 5.0);
        Assert.InRange(five.Equilibrium![1], 4.9, 5.0);
        Assert.Null(new LotkaVolterra(1, -1, 1, 1).Equilibrium);
    }

    [Fact]
    public void HarmonicChainKnownValues()
    {
        // n = 2, q = (1, 2): bonds r = (1, 1, -2); quadratic 3, cubic 0.25 * (1 + 1 - 8)/3 = -0.5.
        Assert.Equal(2.5, new HarmonicChain(2, 0.25).Energy([1.0, 2.0, 0.0, 0.0]), 14);
        Assert.Equal(3.0 + 0.5, new HarmonicChain(2, 0.0).Energy([1.0, 2.0, 1.0, 0.0]), 14);
        Assert.Equal(4, new HarmonicChain(4).DefaultAnchor!.Length / 2);
    }

    [Fact]
    public void CoupledOscillatorsKnownValue() =>
        Assert.Equal(0.5 + 0.25 + 0.5, new CoupledOscillators().Energy([1.0, 0.0, 0.0, 1.0]), 15);

    /// <summary>Rows of TestData/*/train.csv, generated by the paper's Python code (numpy): q.., p.., dq.., dp.., H.</summary>
    [Theory]
    [InlineData("single-pendulum", new[] { -2.840505743042824, -0.47075357137215312, -0.47075357137215312, 0.29655839720281862, 2.0658191833341597 })]
    [InlineData("single-pendulum", new[] { 2.2569672697379435, 0.84858573056634845, 0.84858573056634845, -0.77367769235736605, 1.9936282491564645 })]
    [InlineData("henon-heiles", new[] { -2.2604026494309126, -3.7820412406462092, -0.53701909444462892, 3.5057898559689598, -0.53701909444462892, 3.5057898559689598, -14.837469431796421, 12.976457049040636, 14.70463219241136 })]
    [InlineData("henon-heiles", new[] { 1.7960374868770632, -3.1191276293523185, -2.6812344047205903, -0.82997954879163238, -2.6812344047205903, -0.82997954879163238, 9.4081028104644364, 9.6223341432736547, 10.4700542816968 })]
    public void MatchesReferenceImplementation(string name, double[] row)
    {
        var system = SystemRegistry.Create(name, null);
        int n = 2 * system.Dof;
        var x = row[..n];
        var dx = new double[n];
        system.TimeDerivative(x, dx);
        for (int i = 0; i < n; i++)
        {
            Assert.Equal(row[n + i], dx[i], 1e-12 * Math.Max(1, Math.Abs(row[n + i])));
        }

        Assert.Equal(row[^1], system.Energy(x), 1e-12 * Math.Max(1, Math.Abs(row[^1])));
    }

    [Theory]
    [MemberData(nameof(SystemIds))]
    public void DefaultAnchorHasStateLengthAndIsAnEquilibriumExceptLotkaVolterraAndKepler(string id)
    {
        var (system, _) = PaperSystems.Get(id);
        var anchor = system.DefaultAnchor;
        Assert.NotNull(anchor);
        Assert.Equal(2 * system.Dof, anchor.Length);
        Assert.True(double.IsFinite(system.Energy(anchor)));
        if (system is not LotkaVolterra and not Kepler) // Kepler has no equilibrium: its anchor is q = (1, 0..), p = 0
        {
            var grad = new double[anchor.Length];
            system.Gradient(anchor, grad);
            Assert.All(grad, g => Assert.Equal(0.0, g, 15));
        }

        anchor[0] = 123; // a fresh copy each call
        Assert.NotEqual(123, system.DefaultAnchor![0]);
    }

    [Fact]
    public void MassSpringAnchorIsTheRestPosition() =>
        Assert.Equal([-1.0, 0.0], new MassSpring(qEq: -1).DefaultAnchor!);

    [Fact]
    public void WrongStateLengthAndOverlappingBuffersAreRejected()
    {
        var system = new HenonHeiles();
        var ex = Assert.Throws<ArgumentException>(() => system.Energy([1.0, 2.0]));
        Assert.Contains("length 2*dof = 4", ex.Message);
        Assert.Throws<ArgumentException>(() => system.Gradient([1.0, 2.0, 3.0, 4.0], new double[3]));
        var buffer = new double[4];
        Assert.Throws<ArgumentException>(() => system.Gradient(buffer, buffer));
    }

    [Theory]
    [InlineData("f", -1.0)]
    [InlineData("f", 0.0)]
    [InlineData("f", double.NaN)]
    public void InvalidPendulumFrequencyIsRejectedWithItsNameValueAndRange(string parameter, double value)
    {
        var ex = Assert.Throws<ArgumentException>(() => new SinglePendulum(value));
        Assert.Contains($"'{parameter}'", ex.Message);
        Assert.Contains(value.ToString("R", System.Globalization.CultureInfo.InvariantCulture), ex.Message);
        Assert.Contains("> 0", ex.Message);
    }

    [Fact]
    public void InvalidParametersAreRejected()
    {
        Assert.Contains("'k'", Assert.Throws<ArgumentException>(() => new MassSpring(k: 0)).Message);
        Assert.Contains("'m'", Assert.Throws<ArgumentException>(() => new MassSpring(m: -2)).Message);
        Assert.Contains("'q_eq'", Assert.Throws<ArgumentException>(() => new MassSpring(qEq: double.PositiveInfinity)).Message);
        Assert.Contains("'alpha'", Assert.Throws<ArgumentException>(() => new HenonHeiles(double.NaN)).Message);
        Assert.Contains("'delta'", Assert.Throws<ArgumentException>(() => new LotkaVolterra(delta: double.NegativeInfinity)).Message);
        Assert.Contains("[1, 100000]", Assert.Throws<ArgumentException>(() => new HarmonicChain(0)).Message);
        Assert.Contains("'kc'", Assert.Throws<ArgumentException>(() => new CoupledOscillators(kc: -0.1)).Message);
        // 'with' runs the same validation.
        Assert.Throws<ArgumentException>(() => new SinglePendulum() with { F = -3 });
        Assert.Equal(new SinglePendulum(3), new SinglePendulum() with { F = 3 });
        // Henon-Heiles accepts alpha outside 0..1.
        Assert.Equal(-2.5, new HenonHeiles(-2.5).Alpha);
    }

    [Fact]
    public void EqualityAndCanonicalDescriptionAreByValue()
    {
        Assert.Equal(new SinglePendulum(2), new SinglePendulum(2));
        Assert.NotEqual(new SinglePendulum(2), new SinglePendulum(3));
        Assert.NotEqual<HamiltonianSystem>(new HenonHeiles(), new DoublePendulum());
        Assert.Equal(new HarmonicChain(3, 0.5).GetHashCode(), new HarmonicChain(3, 0.5).GetHashCode());
        Assert.Equal("single-pendulum(f=1)", new SinglePendulum().ToString());
        Assert.Equal("double-pendulum", new DoublePendulum().ToString());
        Assert.Equal("lotka-volterra(alpha=3.5,beta=0.025,delta=0.07,gamma=10)", LotkaVolterra.FiveCentred().ToString());
        Assert.Equal("harmonic-chain(alpha=0.1,n=3)", new HarmonicChain(3, 0.1).ToString());
        Assert.Equal(["alpha", "beta", "delta", "gamma"], LotkaVolterra.FiveCentred().Parameters.Keys);
    }
}
