using Hnn.Datasets;
using Xunit;

namespace Hnn.Tests.Datasets;

public class DataGeneratorTests
{
    private static readonly Domain HenonBox = PaperSystems.Box(2, -5, 5, -5, 5);

    [Fact]
    public void SameSeedGivesIdenticalData()
    {
        var a = DataGenerator.Sample(new HenonHeiles(), HenonBox, 500, 3943);
        var b = DataGenerator.Sample(new HenonHeiles(), HenonBox, 500, 3943);
        Assert.Equal(a, b);
        for (int i = 0; i < 4; i++)
        {
            Assert.Equal(a.X[i], b.X[i]);
            Assert.Equal(a.Dx[i], b.Dx[i]);
        }

        Assert.Equal(a.H, b.H);
    }

    [Fact]
    public void DifferentSeedsGiveDifferentData()
    {
        var a = DataGenerator.Sample(new HenonHeiles(), HenonBox, 100, 1);
        var b = DataGenerator.Sample(new HenonHeiles(), HenonBox, 100, 2);
        Assert.NotEqual(a, b);
        Assert.NotEqual(a.X[0], b.X[0]);
    }

    [Fact]
    public void SmallerSampleIsAPrefixOfALargerOne()
    {
        var small = DataGenerator.Sample(new DoublePendulum(), PaperSystems.Get("double-pendulum").Domain, 10, 5);
        var large = DataGenerator.Sample(new DoublePendulum(), PaperSystems.Get("double-pendulum").Domain, 100, 5);
        for (int i = 0; i < 4; i++)
        {
            Assert.Equal(small.X[i], large.X[i][..10]);
        }
    }

    [Theory]
    [MemberData(nameof(HamiltonianSystemTests.SystemIds), MemberType = typeof(HamiltonianSystemTests))]
    public void PointsLieInTheDomainAndDerivativesAreExact(string id)
    {
        var (system, domain) = PaperSystems.Get(id);
        var data = DataGenerator.Sample(system, domain, 1000, 11);
        Assert.Equal(system.Dof, data.Dof);
        Assert.Equal(1000, data.Count);
        var intervals = domain.Q.Concat(domain.P).ToArray();
        for (int i = 0; i < intervals.Length; i++)
        {
            Assert.All(data.X[i], v => Assert.True(v >= intervals[i].Lower && v < intervals[i].Upper, $"{v} outside {intervals[i]}"));
            // Uniform: the sample spreads over the interval.
            double width = intervals[i].Upper - intervals[i].Lower;
            Assert.True(data.X[i].Max() - data.X[i].Min() > 0.9 * width);
        }

        var x = new double[2 * system.Dof];
        var dx = new double[x.Length];
        for (int k = 0; k < data.Count; k += 97)
        {
            data.CopyPoint(k, x);
            system.TimeDerivative(x, dx);
            Assert.Equal(system.Energy(x), data.H[k]);
            for (int i = 0; i < x.Length; i++)
            {
                Assert.Equal(dx[i], data.Dx[i][k]);
            }
        }
    }

    [Fact]
    public void EvaluateComputesDerivativesAndEnergiesAndCopiesInput()
    {
        double[][] x = [[1.0, 3.0], [0.0, 1.0]];
        var data = DataGenerator.Evaluate(new MassSpring(), x);
        Assert.Equal([0.0, 2.5], data.H);
        Assert.Equal([0.0, 1.0], data.Dx[0]);   // dq/dt = p
        Assert.Equal([-0.0, -2.0], data.Dx[1]); // dp/dt = -(q - 1)
        x[0][0] = 99;
        Assert.Equal(1.0, data.X[0][0]);
    }

    [Fact]
    public void LotkaVolterraOverflowIsRejectedNamingSystemAndPoint()
    {
        double[][] x = [[0.0, 800.0], [0.0, 0.0]];
        var ex = Assert.Throws<ArgumentException>(() => DataGenerator.Evaluate(new LotkaVolterra(), x));
        Assert.Contains("lotka-volterra", ex.Message);
        Assert.Contains("point 1", ex.Message);
        Assert.Contains("q1=800", ex.Message);

        var sample = Assert.Throws<ArgumentException>(() =>
            DataGenerator.Sample(new LotkaVolterra(), PaperSystems.Box(1, 700, 720, 0, 1), 10, 1));
        Assert.Contains("non-finite", sample.Message);
    }

    [Fact]
    public void BadArgumentsAreRejected()
    {
        var ex = Assert.Throws<ArgumentException>(() => DataGenerator.Sample(new HenonHeiles(), PaperSystems.Box(1, -1, 1, -1, 1), 10, 1));
        Assert.Contains("2 degree(s) of freedom", ex.Message);
        Assert.Throws<ArgumentException>(() => DataGenerator.Sample(new HenonHeiles(), HenonBox, 0, 1));
        Assert.Throws<ArgumentException>(() => DataGenerator.Evaluate(new MassSpring(), [[1.0], [1.0, 2.0]]));
        Assert.Throws<ArgumentException>(() => DataGenerator.Evaluate(new MassSpring(), [[1.0]]));
        Assert.Contains("p1", Assert.Throws<ArgumentException>(() => DataGenerator.Evaluate(new MassSpring(), [[1.0], [double.NaN]])).Message);
    }

    [Fact]
    public void DataSetValidatesShapesAndNamesColumns()
    {
        Assert.Equal(["q1", "p1", "dq1", "dp1", "H"], DataSet.ColumnNames(1));
        Assert.Equal(["q1", "q2", "p1", "p2", "dq1", "dq2", "dp1", "dp2", "H"], DataSet.ColumnNames(2));
        Assert.Throws<ArgumentException>(() => new DataSet(1, [[1.0]], [[1.0], [1.0]], [1.0]));
        Assert.Throws<ArgumentException>(() => new DataSet(1, [[1.0], [1.0]], [[1.0], [1.0, 2.0]], [1.0]));
        Assert.Throws<ArgumentException>(() => new DataSet(0, [], [], []));
        var ok = new DataSet(1, [[1.0], [2.0]], [[3.0], [4.0]], [5.0]);
        Assert.Equal(1, ok.Count);
        Assert.Equal("DataSet { Dof = 1, Count = 1 }", ok.ToString());
    }
}
