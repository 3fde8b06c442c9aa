using Hnn.Datasets;
using Xunit;

namespace Hnn.Tests.Datasets;

public class SystemRegistryTests
{
    [Fact]
    public void NamesAreTheNineSystems() =>
        Assert.Equal(
            ["mass-spring", "single-pendulum", "lotka-volterra", "double-pendulum", "henon-heiles", "harmonic-chain", "coupled-oscillators", "kepler", "fput"],
            SystemRegistry.Names);

    [Fact]
    public void CreateWithDefaultsAndWithParameters()
    {
        Assert.Equal(new SinglePendulum(), SystemRegistry.Create("single-pendulum", null));
        Assert.Equal(new SinglePendulum(3), SystemRegistry.Create("single-pendulum", new Dictionary<string, double> { ["f"] = 3 }));
        Assert.Equal(LotkaVolterra.FiveCentred(), SystemRegistry.Create("lotka-volterra", new Dictionary<string, double>
        {
            ["alpha"] = 3.5,
            ["beta"] = 0.025,
            ["gamma"] = 10,
            ["delta"] = 0.07,
        }));
        Assert.Equal(new HarmonicChain(4, 0.25), SystemRegistry.Create("harmonic-chain", new Dictionary<string, double> { ["n"] = 4 }));
        Assert.Equal(new DoublePendulum(), SystemRegistry.Create("double-pendulum", new Dictionary<string, double>()));
        Assert.Equal(new Kepler(1, 3), SystemRegistry.Create("kepler", new Dictionary<string, double> { ["dim"] = 3 }));
        Assert.Equal(new Fput(8, 0.25, 1, periodic: false), SystemRegistry.Create("fput", new Dictionary<string, double> { ["beta"] = 1, ["periodic"] = 0 }));
        Assert.Equal("fput(alpha=0.25,beta=0,n=8,periodic=1)", SystemRegistry.Create("fput").ToString());
        Assert.Equal("kepler(dim=2,k=1)", SystemRegistry.Create("kepler").ToString());
    }

    [Fact]
    public void KeplerAndFputRefuseBadParameters()
    {
        var dim = Assert.Throws<ArgumentException>(() => SystemRegistry.Create("kepler", new Dictionary<string, double> { ["dim"] = 4 }));
        Assert.Contains("dim", dim.Message);
        Assert.Throws<ArgumentException>(() => SystemRegistry.Create("kepler", new Dictionary<string, double> { ["k"] = 0 }));
        var periodic = Assert.Throws<ArgumentException>(() => SystemRegistry.Create("fput", new Dictionary<string, double> { ["periodic"] = 2 }));
        Assert.Contains("must be 0 or 1", periodic.Message);
        Assert.Throws<ArgumentException>(() => SystemRegistry.Create("fput", new Dictionary<string, double> { ["n"] = 1 }));
    }

    [Fact]
    public void EverySystemRoundTripsThroughNameAndParameters()
    {
        foreach (var (_, system, _) in PaperSystems.All)
        {
            Assert.Equal(system, SystemRegistry.Create(system.Name, system.Parameters));
            Assert.Equal(SystemRegistry.ParameterNames(system.Name).Order(StringComparer.Ordinal), system.Parameters.Keys);
        }

        foreach (var name in SystemRegistry.Names)
        {
            var created = SystemRegistry.Create(name, null);
            Assert.Equal(name, created.Name);
            Assert.Equal(
                SystemRegistry.DefaultParameters(name).OrderBy(p => p.Key, StringComparer.Ordinal),
                created.Parameters.OrderBy(p => p.Key, StringComparer.Ordinal));
        }
    }

    [Fact]
    public void ParameterNamesInDeclarationOrder()
    {
        Assert.Equal(["alpha", "beta", "gamma", "delta"], SystemRegistry.ParameterNames("lotka-volterra"));
        Assert.Equal(["k", "m", "q_eq"], SystemRegistry.ParameterNames("mass-spring"));
        Assert.Empty(SystemRegistry.ParameterNames("double-pendulum"));
    }

    [Theory]
    [InlineData("henon-heils", "henon-heiles")]
    [InlineData("Henon-Heiles", "henon-heiles")]
    [InlineData("lotka_volterra", "lotka-volterra")]
    [InlineData("doublependulum", "double-pendulum")]
    [InlineData("pendulum", "single-pendulum")]
    public void UnknownSystemSuggestsTheNearestAndListsAll(string input, string nearest)
    {
        var ex = Assert.Throws<ArgumentException>(() => SystemRegistry.Create(input, null));
        Assert.Contains($"Unknown system '{input}'", ex.Message);
        Assert.Contains($"Did you mean '{nearest}'?", ex.Message);
        foreach (var name in SystemRegistry.Names)
        {
            Assert.Contains(name, ex.Message);
        }
    }

    [Fact]
    public void UnknownSystemWithNothingCloseHasNoSuggestion()
    {
        var ex = Assert.Throws<ArgumentException>(() => SystemRegistry.Create("brusselator", null));
        Assert.DoesNotContain("Did you mean", ex.Message);
        Assert.Contains("Valid systems: mass-spring", ex.Message);
        Assert.Throws<ArgumentException>(() => SystemRegistry.ParameterNames("brusselator"));
    }

    [Fact]
    public void UnknownParameterIsNamedWithTheAllowedOnes()
    {
        var ex = Assert.Throws<ArgumentException>(() =>
            SystemRegistry.Create("lotka-volterra", new Dictionary<string, double> { ["alpah"] = 1 }));
        Assert.Contains("Unknown parameter 'alpah'", ex.Message);
        Assert.Contains("Did you mean 'alpha'?", ex.Message);
        Assert.Contains("alpha, beta, gamma, delta", ex.Message);

        var none = Assert.Throws<ArgumentException>(() =>
            SystemRegistry.Create("double-pendulum", new Dictionary<string, double> { ["g"] = 9.81 }));
        Assert.Contains("Unknown parameter 'g'", none.Message);
        Assert.Contains("takes no parameters", none.Message);
    }

    [Fact]
    public void InvalidParameterValuesAreRejected()
    {
        var range = Assert.Throws<ArgumentException>(() =>
            SystemRegistry.Create("single-pendulum", new Dictionary<string, double> { ["f"] = -2 }));
        Assert.Contains("'f'", range.Message);
        Assert.Contains("-2", range.Message);

        var nonInteger = Assert.Throws<ArgumentException>(() =>
            SystemRegistry.Create("harmonic-chain", new Dictionary<string, double> { ["n"] = 2.5 }));
        Assert.Contains("'n'", nonInteger.Message);
        Assert.Contains("integer", nonInteger.Message);

        var nan = Assert.Throws<ArgumentException>(() =>
            SystemRegistry.Create("henon-heiles", new Dictionary<string, double> { ["alpha"] = double.NaN }));
        Assert.Contains("'alpha'", nan.Message);
    }

    [Theory]
    [InlineData("widht", "width")]
    [InlineData("WIDTH", "width")]
    [InlineData("rcnod", "rcond")]
    [InlineData("sed", "seed")]
    [InlineData("alfa", "alpha")]
    public void NearestFindsTyposCaseInsensitively(string input, string expected) =>
        Assert.Equal(expected, Nearest.Match(input, ["width", "rcond", "seed", "alpha", "count"]));

    [Theory]
    [InlineData("x")]
    [InlineData("zzzzzz")]
    [InlineData("")]
    public void NearestReturnsNullWhenNothingIsClose(string input) =>
        Assert.Null(Nearest.Match(input, ["width", "rcond", "seed"]));

    [Fact]
    public void DistanceCountsEditsAndTranspositions()
    {
        Assert.Equal(0, Nearest.Distance("abc", "abc"));
        Assert.Equal(3, Nearest.Distance("", "abc"));
        Assert.Equal(3, Nearest.Distance("kitten", "sitting"));
        Assert.Equal(1, Nearest.Distance("ab", "ba"));
        Assert.Equal(1, Nearest.Distance("a", "A"));
    }
}
