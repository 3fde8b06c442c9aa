using Hnn.Datasets;
using Hnn.Stages.Model;
using Hnn.Stages.Numerics;
using Xunit;

namespace Hnn.Tests.Stages;

/// <summary>[Fact] skipped only when the LAPACK library cannot be loaded (the managed half of a comparison still runs elsewhere).</summary>
public sealed class StagesLapackFactAttribute : FactAttribute
{
    public StagesLapackFactAttribute()
    {
        if (!LapackLinearAlgebra.TryCreate(out _, out var reason))
        {
            Skip = "LAPACK not available: " + reason;
        }
    }
}

/// <summary>[Theory] skipped only when the LAPACK library cannot be loaded.</summary>
public sealed class StagesLapackTheoryAttribute : TheoryAttribute
{
    public StagesLapackTheoryAttribute()
    {
        if (!LapackLinearAlgebra.TryCreate(out _, out var reason))
        {
            Skip = "LAPACK not available: " + reason;
        }
    }
}

internal static class StageTestSupport
{
    public static ILinearAlgebra Backend(string name) => name switch
    {
        "managed" => new ManagedLinearAlgebra(),
        "lapack" => LapackLinearAlgebra.TryCreate(out var lapack, out var reason)
            ? lapack
            : throw new InvalidOperationException("LAPACK expected to be available: " + reason),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
    };

    /// <summary>dim columns of count points, uniform in [lo, hi) from a seeded <see cref="Rng"/>.</summary>
    public static double[][] UniformPoints(int dim, int count, double lo, double hi, ulong seed)
    {
        var rng = new Rng(seed);
        var x = new double[dim][];
        for (var i = 0; i < dim; i++)
        {
            x[i] = new double[count];
        }

        for (var k = 0; k < count; k++)
        {
            for (var i = 0; i < dim; i++)
            {
                x[i][k] = rng.NextUniform(lo, hi);
            }
        }

        return x;
    }

    /// <summary>A hidden layer with weights weightScale * N(0, 1) and biases U(-biasRange, biasRange).</summary>
    public static HiddenLayer RandomLayer(int dim, int width, double weightScale, double biasRange, ulong seed)
    {
        var rng = new Rng(seed);
        var w = new double[dim][];
        for (var i = 0; i < dim; i++)
        {
            w[i] = new double[width];
            for (var j = 0; j < width; j++)
            {
                w[i][j] = weightScale * rng.NextNormal();
            }
        }

        var b = new double[width];
        for (var j = 0; j < width; j++)
        {
            b[j] = rng.NextUniform(-biasRange, biasRange);
        }

        return new HiddenLayer(w, b);
    }

    public static double[] Point(double[][] x, int k)
    {
        var p = new double[x.Length];
        for (var i = 0; i < x.Length; i++)
        {
            p[i] = x[i][k];
        }

        return p;
    }

    public static double Norm(ReadOnlySpan<double> v)
    {
        double s = 0;
        foreach (var e in v)
        {
            s += e * e;
        }

        return Math.Sqrt(s);
    }

    public static double RelativeDifference(ReadOnlySpan<double> actual, ReadOnlySpan<double> expected)
    {
        Assert.Equal(expected.Length, actual.Length);
        var diff = new double[actual.Length];
        for (var i = 0; i < diff.Length; i++)
        {
            diff[i] = actual[i] - expected[i];
        }

        return Norm(diff) / Norm(expected);
    }

    /// <summary>y = A x for a column-major m x n matrix.</summary>
    public static double[] Multiply(ReadOnlySpan<double> a, int m, int n, ReadOnlySpan<double> x)
    {
        var y = new double[m];
        for (var j = 0; j < n; j++)
        {
            var xj = x[j];
            for (var i = 0; i < m; i++)
            {
                y[i] += a[(j * m) + i] * xj;
            }
        }

        return y;
    }

    /// <summary>y = A^T r for a column-major m x n matrix.</summary>
    public static double[] MultiplyTransposed(ReadOnlySpan<double> a, int m, int n, ReadOnlySpan<double> r)
    {
        var y = new double[n];
        for (var j = 0; j < n; j++)
        {
            double s = 0;
            for (var i = 0; i < m; i++)
            {
                s += a[(j * m) + i] * r[i];
            }

            y[j] = s;
        }

        return y;
    }

    public static double FrobeniusNorm(ReadOnlySpan<double> a) => Norm(a);
}
