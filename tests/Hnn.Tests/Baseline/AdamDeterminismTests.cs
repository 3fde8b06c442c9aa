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
        var network = AdamTrainer.Initialize(2, width, 5, AdamInit.Xavier);
        var w = network.Hidden.Weights.SelectMany(r => r).ToArray();
        Assert.Equal(Math.Sqrt(2.0 / (2 + width)), Std(w), 0.05 * Math.Sqrt(2.0 / (2 + width)));
        Assert.Equal(Math.Sqrt(2.0 / (width + 1)), Std(network.Coefficients), 0.05 * Math.Sqrt(2.0 / (width + 1)));
        Assert.All(network.Hidden.Biases, b => Assert.Equal(0.0, b));
        Assert.Equal(0.0, network.OutputBias);
        AssertSameNetwork(network, AdamTrainer.Initialize(2, width, 5, AdamInit.Xavier));
    }

    [Theory]
    [InlineData(1, 2000)]
    [InlineData(2, 500)]
    public void Default_initialization_is_torchs_uniform_scheme_seeded(int dof, int width)
    {
        // PyTorch's nn.Linear default: W, b ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)); fan_in D = 2d for the hidden layer,
        // N for the output layer (c and c_0). Every draw inside its bound; the spread fills it: max |.| above 0.95 of the
        // bound (for n >= 500 uniform draws the chance of missing that is 0.95^n < 1e-11) and the sample std within
        // 10 % of bound / sqrt(3) (about 4-8 standard errors).
        var dim = 2 * dof;
        var network = AdamTrainer.Initialize(dim, width, 5);
        Assert.Equal(AdamInit.TorchDefault, AdamSettings.Default.Init);
        var hidden = 1 / Math.Sqrt(dim);
        var output = 1 / Math.Sqrt(width);
        void InBound(double[] v, double bound)
        {
            Assert.All(v, x => Assert.InRange(x, -bound, bound));
            Assert.True(v.Max(Math.Abs) > 0.95 * bound, $"largest |draw| {v.Max(Math.Abs):e3} for bound {bound:e3}");
            Assert.Equal(bound / Math.Sqrt(3), Std(v), 0.1 * bound / Math.Sqrt(3));
        }

        InBound([.. network.Hidden.Weights.SelectMany(r => r)], hidden);
        InBound(network.Hidden.Biases, hidden);
        InBound(network.Coefficients, output);
        Assert.InRange(network.OutputBias, -output, output);
        Assert.NotEqual(0.0, network.OutputBias);

        // Seeded: the same seed gives the same network bit for bit, another seed another one (every entry differs).
        AssertSameNetwork(network, AdamTrainer.Initialize(dim, width, 5, AdamInit.TorchDefault));
        var other = AdamTrainer.Initialize(dim, width, 6);
        Assert.All(network.Hidden.Biases.Zip(other.Hidden.Biases), p => Assert.NotEqual(p.First, p.Second));
        Assert.All(network.Coefficients.Zip(other.Coefficients), p => Assert.NotEqual(p.First, p.Second));
        Assert.NotEqual(network.OutputBias, other.OutputBias);

        // Train with the default settings starts from this network: zero steps return it (anchored).
        var x = Uniform(dim, 8, -1, 1, 1, "x");
        var zero = AdamTrainer.Train(x, x, width, new Hnn.Stages.Training.Anchor(new double[dim], 0), AdamSettings.Default with { Steps = 0 }, 5, 1, null, CancellationToken.None);
        Assert.Equal(network.Hidden.Biases, zero.Network.Hidden.Biases);
        Assert.Equal(network.Coefficients, zero.Network.Coefficients);
    }

    private static double Std(double[] v)
    {
        var mean = v.Average();
        return Math.Sqrt(v.Sum(e => (e - mean) * (e - mean)) / v.Length);
    }
}
