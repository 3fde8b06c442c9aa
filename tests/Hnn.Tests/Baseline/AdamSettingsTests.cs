using Hnn.Stages.Baseline;
using Hnn.Stages.Training;
using Xunit;
using static Hnn.Tests.Baseline.BaselineTestSupport;

namespace Hnn.Tests.Baseline;

/// <summary>Settings and arguments fail before any work, with messages naming the field, the value and what is allowed.</summary>
public sealed class AdamSettingsTests
{
    [Fact]
    public void Default_is_the_reference_setting()
    {
        // The paper's reference HNN: lr 5e-4, batch 2048, weight decay 1e-13, 15000 steps.
        Assert.Equal(new AdamSettings(5e-4, 2048, 1e-13, 15000, 1), AdamSettings.Default);
        AdamSettings.Default.Validate();
    }

    [Theory]
    [InlineData("LearningRate", "AdamSettings.LearningRate is 0; allowed: a finite number > 0.")]
    [InlineData("LearningRateNaN", "AdamSettings.LearningRate is NaN; allowed: a finite number > 0.")]
    [InlineData("BatchSize", "AdamSettings.BatchSize is 0; allowed: an integer >= 1.")]
    [InlineData("WeightDecay", "AdamSettings.WeightDecay is -1E-05; allowed: a finite number >= 0.")]
    [InlineData("Steps", "AdamSettings.Steps is -1; allowed: an integer >= 0.")]
    [InlineData("LossEvery", "AdamSettings.LossEvery is 0; allowed: an integer >= 1.")]
    public void Invalid_settings_name_field_value_and_range(string field, string message)
    {
        var settings = field switch
        {
            "LearningRate" => AdamSettings.Default with { LearningRate = 0 },
            "LearningRateNaN" => AdamSettings.Default with { LearningRate = double.NaN },
            "BatchSize" => AdamSettings.Default with { BatchSize = 0 },
            "WeightDecay" => AdamSettings.Default with { WeightDecay = -1e-5 },
            "Steps" => AdamSettings.Default with { Steps = -1 },
            "LossEvery" => AdamSettings.Default with { LossEvery = 0 },
            _ => throw new ArgumentOutOfRangeException(nameof(field)),
        };
        var e = Assert.Throws<ArgumentException>(settings.Validate);
        Assert.StartsWith(message, e.Message);
        Assert.Equal(field.Replace("NaN", string.Empty, StringComparison.Ordinal), e.ParamName);

        // Train validates before any work.
        var x = Uniform(2, 4, -1, 1, 1, "x");
        var e2 = Assert.Throws<ArgumentException>(() =>
            AdamTrainer.Train(x, x, 3, new Anchor([0, 0], 0), settings, 0, 1, null, CancellationToken.None));
        Assert.StartsWith(message, e2.Message);
    }

    [Fact]
    public void Invalid_arguments_are_rejected_with_clear_messages()
    {
        var x = Uniform(2, 4, -1, 1, 1, "x");
        var anchor = new Anchor([0, 0], 0);
        var s = AdamSettings.Default with { Steps = 1 };
        AdamResult Train(double[][] xs, double[][] dxs, int width = 3, Anchor? a = null, int threads = 1) =>
            AdamTrainer.Train(xs, dxs, width, a ?? anchor, s, 0, threads, null, CancellationToken.None);

        Assert.Throws<ArgumentOutOfRangeException>(() => Train(x, x, width: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Train(x, x, threads: 0));
        Assert.Contains("anchor x0 has 3 coordinates, the data have 2", Assert.Throws<ArgumentException>(() => Train(x, x, a: new Anchor([0, 0, 0], 0))).Message);
        Assert.Contains("H0 is NaN", Assert.Throws<ArgumentException>(() => Train(x, x, a: new Anchor([0, 0], double.NaN))).Message);
        Assert.Contains("x has 3 columns", Assert.Throws<ArgumentException>(() => Train(Uniform(3, 4, -1, 1, 1, "x3"), Uniform(3, 4, -1, 1, 1, "x3"))).Message);
        Assert.Contains("dx has 4 columns but x has 2", Assert.Throws<ArgumentException>(() => Train(x, Uniform(4, 4, -1, 1, 1, "x4"))).Message);
        Assert.Contains("dx column 1 has 3 rows, x has 4", Assert.Throws<ArgumentException>(() => Train(x, [x[0], new double[3]])).Message);
        Assert.Contains("no rows", Assert.Throws<ArgumentException>(() => Train([[], []], [[], []])).Message);
    }
}
