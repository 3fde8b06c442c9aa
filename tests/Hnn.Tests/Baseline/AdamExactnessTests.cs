using System.Globalization;
using System.Text.Json;
using Hnn.Pipeline.Data;
using Hnn.Stages.Baseline;
using Hnn.Stages.Model;
using Hnn.Tests.Reference;
using Xunit;
using Xunit.Abstractions;

namespace Hnn.Tests.Baseline;

/// <summary>
/// The Adam baseline against the paper's own PyTorch run (TestData/adam-pendulum-small/SOURCE.md): from the
/// reference's initial parameters, on its training data in file order (TestData/pendulum-small-w1000/train.csv) with
/// its batching (batch 2048, start = step 2048 mod 10000, cut at the end), lr 5e-4, weight decay 1e-13, the loss of
/// every one of the first 3000 steps and the parameters after steps 1, 10 and 3000 must equal torch's to rounding.
/// Once with the reference's own init (PyTorch's default nn.Linear init) and once with Xavier-normal and zero biases
/// (the xavier0- files: the loss sits on a plateau, a different regime of the same arithmetic).
/// </summary>
/// <remarks>
/// Tolerances. The issue asks for 1e-12 relative (a port that computes something different is off by far more early
/// on; an independent numpy float64 replay agreed with torch to <= 5.3e-15 over these 3000 steps). Measured on the
/// 2-core AVX-512 machine (2026-12-03), the largest deviation from torch of
/// <list type="bullet">
/// <item>a loss (relative, over all 3000 steps): 7.6e-15 (reference init, step 2583) and 5.5e-16 (Xavier, step 282);</item>
/// <item>a parameter (absolute; all are below 1 in size) after step 1: 7.6e-16 and 1.4e-17; after step 10: 7.5e-16
/// and 2.8e-17; after step 3000: 3.1e-15 and 3.6e-15;</item>
/// <item>the anchored output bias after 3000 steps: 2.8e-16 and 7.2e-16 relative; the test error of H: 2.2e-16 and
/// 6.8e-15 relative.</item>
/// </list>
/// The bounds below (1e-13 for losses and parameters, 1e-13 for the anchored bias, 1e-12 for the test error) are
/// tighter than asked and leave room (10-100x) for the other lane widths (AVX2, SSE), whose sums round differently.
/// </remarks>
public sealed class AdamExactnessTests(ITestOutputHelper output)
{
    private const double LossTolerance = 1e-13;
    private const double ParameterTolerance = 1e-13;
    private const int Steps = 3000;
    private static readonly string Dir = Path.Combine(AppContext.BaseDirectory, "TestData", "adam-pendulum-small");

    public static TheoryData<string, string> Inits => new()
    {
        { string.Empty, "run_reference_init" },
        { "xavier0-", "run_xavier0_init" },
    };

    [Theory]
    [MemberData(nameof(Inits))]
    public void Every_loss_of_3000_steps_and_the_parameters_after_1_10_3000_match_torch(string prefix, string run)
    {
        var data = ReferenceCase.Load("pendulum-small-w1000");
        var meta = JsonDocument.Parse(File.ReadAllText(Path.Combine(Dir, "meta.json"))).RootElement.GetProperty(run);
        var initial = NetworkFile.Read(Path.Combine(Dir, $"{prefix}init-params.csv"), 1) with
        {
            OutputBias = meta.GetProperty("output_bias").GetProperty("init").GetDouble(),
        };
        var settings = new AdamSettings(5e-4, 2048, 1e-13, Steps, 1);
        var threads = Math.Min(2, Environment.ProcessorCount);

        var expected = ReadLosses(Path.Combine(Dir, $"{prefix}losses.csv"));
        Assert.Equal(Steps, expected.Length);
        var result = AdamTrainer.Train(data.TrainX, data.TrainDx, initial, data.Anchor, settings, threads, null, CancellationToken.None);
        Assert.Equal(Enumerable.Range(1, Steps), result.LossSteps);
        var worst = 0.0;
        var worstStep = -1;
        for (var s = 0; s < Steps; s++)
        {
            // Row s of losses.csv: the batch of 0-based step s and the loss before update s + 1, i.e. our step s + 1.
            Assert.Equal((expected[s].Start, expected[s].Rows), AdamTrainer.Batch(s + 1, 2048, 10000));
            var rel = Math.Abs(result.Loss[s] - expected[s].Loss) / expected[s].Loss;
            if (rel > worst)
            {
                (worst, worstStep) = (rel, s);
            }
        }

        output.WriteLine($"{prefix}losses: max relative deviation {worst:e2} at step {worstStep} (loss {expected[Math.Max(worstStep, 0)].Loss:e4})");
        Assert.True(worst <= LossTolerance, $"loss of step {worstStep} deviates by {worst:e2} relative from torch's");

        foreach (var after in new[] { 1, 10 })
        {
            var early = AdamTrainer.Train(data.TrainX, data.TrainDx, initial, data.Anchor, settings with { Steps = after }, threads, null, CancellationToken.None);
            AssertParameters($"{prefix}params-after-step-{after}.csv", early.Network);
        }

        AssertParameters($"{prefix}params-after-step-{Steps}.csv", result.Network);

        // The output bias: torch never updates b2 (no gradient), the anchor H(0, 0) = 0 then sets it. Ours is not among
        // the optimised parameters and is set the same way; the anchored value and the test error of H after 3000 steps
        // are the reference's (meta.json; they depend on all 3001 parameters, so to ~1e-12 relative).
        var anchored = meta.GetProperty("output_bias").GetProperty($"anchored_after_{Steps}").GetDouble();
        output.WriteLine($"anchored output bias {result.Network.OutputBias:R} (reference {anchored:R})");
        Assert.Equal(anchored, result.Network.OutputBias, 1e-13 * Math.Abs(anchored));
        var testError = meta.GetProperty("test_rel_l2_H").GetProperty($"after_{Steps}").GetDouble();
        var ours = data.TestError(result.Network);
        output.WriteLine($"test rel. L2 error of H {ours:R} (reference {testError:R})");
        Assert.Equal(testError, ours, 1e-12 * testError);
    }

    [Fact]
    public void The_initial_output_bias_changes_nothing()
    {
        // b2 has no gradient (so no update and no weight decay) and is replaced by the anchor: two starts that differ
        // only in b2 train to the same network, bit for bit.
        var data = ReferenceCase.Load("pendulum-small-w1000");
        var initial = NetworkFile.Read(Path.Combine(Dir, "init-params.csv"), 1);
        var settings = new AdamSettings(5e-4, 2048, 1e-13, 3, 1);
        var a = AdamTrainer.Train(data.TrainX, data.TrainDx, initial with { OutputBias = -0.006291956580095162 }, data.Anchor, settings, 1, null, CancellationToken.None);
        var b = AdamTrainer.Train(data.TrainX, data.TrainDx, initial with { OutputBias = 5 }, data.Anchor, settings, 1, null, CancellationToken.None);
        BaselineTestSupport.AssertSameNetwork(a.Network, b.Network);
        Assert.Equal(a.Loss, b.Loss);
    }

    private void AssertParameters(string file, Network actual)
    {
        var expected = NetworkFile.Read(Path.Combine(Dir, file), 1);
        Assert.Equal(expected.Width, actual.Width);
        double worstAbs = 0, worstRel = 0;
        string where = string.Empty;
        void Check(string name, double[] e, double[] a)
        {
            for (var j = 0; j < e.Length; j++)
            {
                var d = Math.Abs(a[j] - e[j]);
                worstRel = Math.Max(worstRel, e[j] == 0 ? d : d / Math.Abs(e[j]));
                if (d > worstAbs)
                {
                    (worstAbs, where) = (d, $"{name}[{j}]");
                }
            }
        }

        Check("w_q1", expected.Hidden.Weights[0], actual.Hidden.Weights[0]);
        Check("w_p1", expected.Hidden.Weights[1], actual.Hidden.Weights[1]);
        Check("b", expected.Hidden.Biases, actual.Hidden.Biases);
        Check("c", expected.Coefficients, actual.Coefficients);
        output.WriteLine($"{file}: max absolute deviation {worstAbs:e2} ({where}), max relative {worstRel:e2}");
        Assert.True(worstAbs <= ParameterTolerance, $"{file}: {where} deviates by {worstAbs:e2} from torch's");
    }

    private static (int Start, int Rows, double Loss)[] ReadLosses(string path) =>
    [
        .. File.ReadLines(path).Skip(1).Where(l => l.Length > 0).Select(l =>
        {
            var f = l.Split(',');
            return (int.Parse(f[1], CultureInfo.InvariantCulture), int.Parse(f[2], CultureInfo.InvariantCulture), double.Parse(f[3], CultureInfo.InvariantCulture));
        }),
    ];
}
