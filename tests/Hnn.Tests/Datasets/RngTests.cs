using Hnn.Datasets;
using Xunit;

namespace Hnn.Tests.Datasets;

public class RngTests
{
    /// <summary>
    /// Golden values from an independent Python transcription of splitmix64 + xoshiro256** (Vigna's reference
    /// algorithms) and of the documented Derive formula. They pin the streams: changing them breaks caches.
    /// </summary>
    [Fact]
    public void StreamsMatchGoldenValues()
    {
        var rng = new Rng(0);
        Assert.Equal(0x99EC5F36CB75F2B4UL, rng.NextULong());
        Assert.Equal(0xBF6E1F784956452AUL, rng.NextULong());
        Assert.Equal(0x1A5F849D4933E6E0UL, rng.NextULong());
        Assert.Equal(0x6AA594F1262D2D2CUL, rng.NextULong());

        rng = new Rng(42);
        Assert.Equal(0.08386297105988216, rng.NextDouble());
        Assert.Equal(0.3789802506626686, rng.NextDouble());
        Assert.Equal(0.6800434110281394, rng.NextDouble());

        rng = new Rng(7);
        Assert.Equal([7, 2, 8, 9, 9, 8, 0, 1, 4, 1], Enumerable.Range(0, 10).Select(_ => rng.NextInt(10)));

        Assert.Equal(0x0C08C126AC440B68UL, Rng.Derive(0, "train"));
        Assert.Equal(0x255DABF60CFECB2AUL, Rng.Derive(12345, "test"));
        Assert.Equal(0x21FA69A58F3D62F5UL, Rng.Derive(0, ""));
        Assert.Equal(0xD2D626DE44EC786EUL, Rng.Derive(1, "données"));
    }

    [Fact]
    public void DeriveSeparatesLabelsAndSeeds()
    {
        Assert.NotEqual(Rng.Derive(1, "train"), Rng.Derive(1, "test"));
        Assert.NotEqual(Rng.Derive(1, "train"), Rng.Derive(2, "train"));
        Assert.Equal(Rng.Derive(1, "train"), Rng.Derive(1, "train"));
        Assert.Equal(new Rng(Rng.Derive(9, "x")).NextULong(), new Rng(9, "x").NextULong());
        Assert.Throws<ArgumentNullException>(() => Rng.Derive(1, null!));
    }

    [Fact]
    public void NextDoubleAndUniformStayInRange()
    {
        var rng = new Rng(3);
        for (int i = 0; i < 10_000; i++)
        {
            double u = rng.NextDouble();
            Assert.True(u >= 0 && u < 1);
            double v = rng.NextUniform(-2.5, 7);
            Assert.True(v >= -2.5 && v < 7);
        }

        Assert.Equal(4.0, rng.NextUniform(4, 4));
        Assert.Throws<ArgumentException>(() => rng.NextUniform(1, 0));
        Assert.Throws<ArgumentException>(() => rng.NextUniform(0, double.PositiveInfinity));
        Assert.Throws<ArgumentException>(() => rng.NextUniform(-double.MaxValue, double.MaxValue));
    }

    [Fact]
    public void NextNormalHasMeanZeroAndVarianceOne()
    {
        var rng = new Rng(2024);
        const int n = 100_000;
        double sum = 0, sumSq = 0;
        for (int i = 0; i < n; i++)
        {
            double z = rng.NextNormal();
            sum += z;
            sumSq += z * z;
        }

        double mean = sum / n;
        double variance = sumSq / n - mean * mean;
        Assert.InRange(mean, -0.02, 0.02);       // standard error 0.003
        Assert.InRange(variance, 0.97, 1.03);    // standard error 0.0045
    }

    [Fact]
    public void NextIntIsInRangeAndRoughlyUniform()
    {
        var rng = new Rng(77);
        var counts = new int[6];
        for (int i = 0; i < 60_000; i++)
        {
            counts[rng.NextInt(6)]++;
        }

        // Expected 10000 each, standard deviation ~91.
        Assert.All(counts, c => Assert.InRange(c, 9_600, 10_400));

        for (int i = 0; i < 1000; i++)
        {
            Assert.InRange(rng.NextInt(int.MaxValue), 0, int.MaxValue - 1);
            Assert.Equal(0, rng.NextInt(1));
        }

        // A range just above 2^31 / 2 is where a biased modulo would show: values below 2^30 would be twice as common.
        int big = (1 << 30) + (1 << 29);
        int low = 0;
        for (int i = 0; i < 30_000; i++)
        {
            if (rng.NextInt(big) < (1 << 29))
            {
                low++;
            }
        }

        Assert.InRange(low / 30_000.0, 0.31, 0.36); // unbiased: 1/3

        Assert.Throws<ArgumentOutOfRangeException>(() => rng.NextInt(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => rng.NextInt(-5));
    }

    [Fact]
    public void ShuffleIsADeterministicPermutation()
    {
        int[] a = Enumerable.Range(0, 50).ToArray();
        int[] b = Enumerable.Range(0, 50).ToArray();
        new Rng(5).Shuffle<int>(a);
        new Rng(5).Shuffle<int>(b);
        Assert.Equal(a, b);
        Assert.NotEqual(Enumerable.Range(0, 50), a);
        Assert.Equal(Enumerable.Range(0, 50), a.Order());
    }
}
