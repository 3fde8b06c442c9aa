using Hnn.Pipeline.Report;
using Hnn.Stages.Rollout;
using Hnn.Stages.Training;
using Xunit;

namespace Hnn.Tests.Rollout;

/// <summary>Mode 1's recurrence measures (dip, first return) for starts on and near the lowest mode, and their report sentence.</summary>
public sealed class RecurrenceTests
{
    private const double Period = 50;

    /// <summary>Mode energies [0, s(t), 1 - s(t)] with s(t) = s0 - 0.01 sin^2(pi t / T), t = 0, 0.05, .., 1.2 T.</summary>
    private static ModeEnergySeries Series(double s0)
    {
        var times = Enumerable.Range(0, 1201).Select(k => k * 0.05).ToArray();
        var energies = new[] { times.Select(t => { var s = s0 - (0.01 * Math.Pow(Math.Sin(Math.PI * t / Period), 2)); return new[] { 0, s, 1 - s }; }).ToArray() };
        return new ModeEnergySeries(times, energies);
    }

    [Fact]
    public void The_return_relative_to_the_start_is_the_study_measure_for_a_pure_start_and_defined_near_one()
    {
        // The share falls 0.005 below s0 at sin^2 = 0.5 and is back within 0.001 of s0 at sin^2 = 0.1, i.e. at
        // t = T (1 - asin(sqrt 0.1) / pi) = 44.88 (first sample at or after: 44.90); the dip is s0 - 0.01 at t = T / 2 = 25.
        var expected = Period * (1 - (Math.Asin(Math.Sqrt(0.1)) / Math.PI));
        var pure = LearnedSystemStudy.RecurrenceOf(Series(1.0), Period);
        var pureRelative = LearnedSystemStudy.RecurrenceOf(Series(1.0), Period, relativeToStart: true);
        Assert.Equal(pure, pureRelative);
        Assert.InRange(pure.ReturnTime, expected, expected + 0.05);
        Assert.Equal(0.99, pure.DipMinimum, 12);
        Assert.Equal(25, pure.DipTime, 12);

        // A start near the mode (s0 = 0.98) never reaches the absolute 0.999, so only the relative measure is defined.
        Assert.True(double.IsNaN(LearnedSystemStudy.RecurrenceOf(Series(0.98), Period).ReturnTime));
        var near = LearnedSystemStudy.RecurrenceOf(Series(0.98), Period, relativeToStart: true);
        Assert.InRange(near.ReturnTime, expected, expected + 0.05);
        Assert.Equal(0.97, near.DipMinimum, 12);
    }

    [Fact]
    public void The_report_sentence_quotes_the_rollout_metadata()
    {
        var meta = new Dictionary<string, string>
        {
            ["recurrence_period"] = "53.92",
            ["recurrence_dip"] = "0.9362",
            ["exact_recurrence_dip"] = "0.9419",
            ["recurrence_return"] = "53.25",
            ["exact_recurrence_return"] = "NaN",
            ["recurrence_dip_error"] = "0.00652",
            ["recurrence_return_error"] = "NaN",
        };
        var text = RunReport.RecurrenceText(meta);
        Assert.Contains("T = 53.92", text, StringComparison.Ordinal);
        Assert.Contains("dip 0.9362 learned / 0.9419 true", text, StringComparison.Ordinal);
        Assert.Contains("first return t = 53.25 learned / none within the observed times true", text, StringComparison.Ordinal);
        Assert.Contains("differ by at most 6.52e-03", text, StringComparison.Ordinal);
        Assert.Contains("a rollout did not return within its times", text, StringComparison.Ordinal);
        Assert.DoesNotContain("peak", text, StringComparison.Ordinal);
        Assert.Equal(string.Empty, RunReport.RecurrenceText(new Dictionary<string, string>()));

        // Version 3 metadata adds the share's peak in [0.75 T, 1.25 T].
        meta["recurrence_peak"] = "53.25";
        meta["exact_recurrence_peak"] = "57.5";
        meta["recurrence_peak_error"] = "0.0739";
        Assert.Contains("the share's peak in [0.75 T, 1.25 T] at t = 53.25 learned / 57.50 true, the peaks differ by at most 7.4 %", RunReport.RecurrenceText(meta), StringComparison.Ordinal);
    }
}
