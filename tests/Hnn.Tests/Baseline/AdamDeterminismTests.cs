using Hnn.Datasets;
using Hnn.Stages.Baseline;
using Hnn.Stages.Training;
using Xunit;
using static Hnn.Tests.Baseline.BaselineTestSupport;

namespace Hnn.Tests.Baseline;

/// <summary>
/// Same seed, same network, bit for bit; and the same whatever the number of threads, because every block of rows
/// accumulates into its own buffer and the blocks are summed in a fixed order.
/// </summary>
public sealed class AdamDeterminismTests
{
    // 600 rows, batch 512: slices of 512, 88, 176, 264, 352 and 440 rows (start (t - 1) 512 mod 600), i.e. 1 to 4 blocks.
    private static readonly AdamSettings Settings = new(1e-2, 512, 1e-4, 6, 1);

    public static TheoryData<string> Systems => ["single-pendulum", "henon-heiles"];

    private static (double[][] X, double[][] Dx, Anchor Anchor) Data(string name)
    {
        var system = SystemRegistry.Create(name);
        var domain = Domain.Uniform(system.Dof, new Interval(-1, 1), new Interval(-1, 1));
        var data = DataGenerator.Sample(system, domain, 600, Rng.Derive(7, "data"));
        var x0 = new double[2 * system.Dof];
        return (data.X, data.Dx, new Anchor(x0, system.Energy(x0)));
    }

    [Theory]
    [MemberData(nameof(Systems))]
    public void Same_seed_gives_the_same_network_for_any_thread_count(string name)
    {
        var (x, dx, anchor) = Data(name);
        var reference = AdamTrainer.Train(x, dx, 20, anchor, Settings, 3, 1, null, CancellationToken.None);
        foreach (var threads in new[] { 1, 2, 3, 8 })
        {
            var again = AdamTrainer.Train(x, dx, 20, anchor, Settings, 3, threads, null, CancellationToken.None);
            AssertSameNetwork(reference.Network, again.Network);
            Assert.Equal(reference.Loss, again.Loss);
        }
    }

    [Fact]
    public void Different_seeds_give_different_networks()
    {
        var (x, dx, anchor) = Data("single-pendulum");
        var a = AdamTrainer.Train(x, dx, 20, anchor, Settings, 3, 2, null, CancellationToken.None);
        var b = AdamTrainer.Train(x, dx, 20, anchor, Settings, 4, 2, null, CancellationToken.None);
        Assert.NotEqual(a.Network.Coefficients, b.Network.Coefficients);
    }

    [Fact]
    public void Training_does_not_modify_its_inputs()
    {
        var (x, dx, anchor) = Data("single-pendulum");
        var (x2, dx2, x02) = (Copy(x), Copy(dx), (double[])anchor.X0.Clone());
        AdamTrainer.Train(x, dx, 20, anchor, Settings, 3, 2, null, CancellationToken.None);
        Assert.Equal(x2, x);
        Assert.Equal(dx2, dx);
        Assert.Equal(x02, anchor.X0);
    }

    [Fact]
    public void Initialization_is_xavier_normal_with_zero_biases()
    {
        // torch.nn.init.xavier_normal_: std = sqrt(2 / (fan_in + fan_out)); hidden (D = 2, N = 2000): sqrt(2 / 2002),
        // output (N = 2000 -> 1): sqrt(2 / 2001). Sample std of 4000 (2000) draws within 5 % (about 4 standard errors).
        const int width = 2000;
        var network = AdamTrainer.Initialize(2, width, 5);
        var w = network.Hidden.Weights.SelectMany(r => r).ToArray();
        Assert.Equal(Math.Sqrt(2.0 / (2 + width)), Std(w), 0.05 * Math.Sqrt(2.0 / (2 + width)));
        Assert.Equal(Math.Sqrt(2.0 / (width + 1)), Std(network.Coefficients), 0.05 * Math.Sqrt(2.0 / (width + 1)));
        Assert.All(network.Hidden.Biases, b => Assert.Equal(0.0, b));
        Assert.Equal(0.0, network.OutputBias);
        AssertSameNetwork(network, AdamTrainer.Initialize(2, width, 5));
    }

    private static double Std(double[] v)
    {
        var mean = v.Average();
        return Math.Sqrt(v.Sum(e => (e - mean) * (e - mean)) / v.Length);
    }
}
