using Hnn.Datasets;
using Xunit;

namespace Hnn.Tests.Datasets;

public class DomainTests
{
    private static Domain Make(params (double, double)[] qThenP)
    {
        int d = qThenP.Length / 2;
        return new Domain(
            qThenP[..d].Select(i => new Interval(i.Item1, i.Item2)).ToArray(),
            qThenP[d..].Select(i => new Interval(i.Item1, i.Item2)).ToArray());
    }

    [Fact]
    public void ValidDomainPassesAndReportsLimits()
    {
        var domain = Make((-2, 2), (-1, 3), (-5, 1), (0, 0.5));
        domain.Validate(2);
        Assert.Equal(-5, domain.MinLimit);
        Assert.Equal(3, domain.MaxLimit);
    }

    [Theory]
    [InlineData(1.0, 1.0, "empty")]
    [InlineData(2.0, 1.0, "inverted")]
    [InlineData(double.NaN, 1.0, "non-finite")]
    [InlineData(0.0, double.PositiveInfinity, "non-finite")]
    public void BadIntervalIsNamed(double lower, double upper, string problem)
    {
        var badP = Make((-1, 1), (-1, 1), (-1, 1), (lower, upper));
        var ex = Assert.Throws<ArgumentException>(() => badP.Validate(2));
        Assert.Contains("p[1]", ex.Message);
        Assert.Contains(problem, ex.Message);

        var badQ = Make((lower, upper), (-1, 1));
        ex = Assert.Throws<ArgumentException>(() => badQ.Validate(1));
        Assert.Contains("q[0]", ex.Message);
        Assert.Contains(problem, ex.Message);
    }

    [Fact]
    public void CountMismatchIsNamed()
    {
        var domain = new Domain([new Interval(-1, 1)], [new Interval(-1, 1), new Interval(-1, 1)]);
        var ex = Assert.Throws<ArgumentException>(() => domain.Validate(2));
        Assert.Contains("'q'", ex.Message);
        Assert.Contains("1 interval", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => domain.Validate(1));
        Assert.Contains("'p'", ex.Message);
    }

    [Fact]
    public void EqualityIsElementWiseAndListsAreCopied()
    {
        var q = new List<Interval> { new(-1, 1) };
        var domain = new Domain(q, [new Interval(-2, 2)]);
        q.Add(new Interval(5, 6));
        Assert.Single(domain.Q);
        Assert.Equal(Domain.Uniform(1, new Interval(-1, 1), new Interval(-2, 2)), domain);
        Assert.NotEqual(Domain.Uniform(1, new Interval(-1, 1), new Interval(-2, 3)), domain);
        Assert.Equal("Domain { Q = [[-1, 1]], P = [[-2, 2]] }", domain.ToString());
    }
}
