using Hnn.Pipeline.Execution;
using Hnn.Pipeline.Report;
using Hnn.Stages.Evaluation;
using Xunit;

namespace Hnn.Tests.Report;

public sealed class ReportStyleTests
{
    [Fact]
    public void Every_method_and_integrator_has_its_own_fixed_look()
    {
        string[] methods = ["elm", "u-swim", "a-swim", "swim", "adam"];
        string[] integrators = ["euler", "symplectic-euler", "verlet", "implicit-midpoint", "rk4", "dop853"];
        foreach (var group in new[] { methods, integrators })
        {
            var looks = group.Select(k => ReportStyle.For(k)!).ToList();
            Assert.All(looks, Assert.NotNull);
            Assert.Equal(group.Length, looks.Select(l => l.Hex).Distinct().Count()); // one colour each within a figure's kind
            Assert.Equal(group.Length, looks.Select(l => (l.PatternName, l.Width)).Distinct().Count()); // and apart in greyscale
        }

        // Stable: the same key gives the same look whatever else is drawn.
        Assert.Equal(ReportStyle.For("a-swim"), ReportStyle.For("a-swim"));
        Assert.Null(ReportStyle.For("no-such-method"));
    }

    /// <summary>
    /// The two edges of an error band share one look that no method has (the audit's screenshot of the Kepler example:
    /// "+2 sd" orange and "-2 sd" green, the latter the colour of a-swim's own curve in the same figure).
    /// </summary>
    [Fact]
    public void The_band_edges_have_one_look_of_their_own()
    {
        var band = ReportStyle.For("band");
        Assert.NotNull(band);
        Assert.All(new[] { "elm", "u-swim", "a-swim", "swim", "adam", "hig" }, m => Assert.NotEqual(band.Hex, ReportStyle.For(m)!.Hex));
    }

    [Fact]
    public void The_energy_caption_names_only_integrators_that_are_drawn()
    {
        Assert.Equal("", RunReport.EnergyCaption(["rk4"]));
        Assert.Equal(": forward Euler drifts", RunReport.EnergyCaption(["euler", "rk4"]));
        Assert.Equal(": verlet oscillates within a bound", RunReport.EnergyCaption(["verlet"]));
        Assert.DoesNotContain("Euler", RunReport.EnergyCaption(["symplectic-euler", "verlet"]).Replace("symplectic-euler", "", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public void A_diverging_trajectory_is_clipped_and_listed()
    {
        var times = new[] { 0.0, 1.0, 2.0, 3.0 };
        double[] truth = [1, 0.5, -0.5, -1];
        var (limits, escapes) = RunReport.TrajectoryLimits(truth, null, [("elm", times, [1, 0.5, -0.5, -1.01]), ("a-swim", times, [1, 3, 55, 100])]);
        Assert.Equal((-2.0, 2.0), limits); // the truth's range widened by half of it on each side
        Assert.Equal(["a-swim leaves the plot at t = 1"], escapes); // 3 > 2 at t = 1
    }

    [Fact]
    public void The_summary_names_the_best_method_and_failures_are_listed()
    {
        var m = new ErrorMetrics(1e-3, 1e-2, 1e-2, 100);
        var good = new ErrorMetrics(2e-10, 3e-9, 3e-9, 100);
        ExperimentResult R(string method, ErrorMetrics test, IReadOnlyList<RolloutSummary>? rollouts = null) =>
            new(method, 100, 1, 2, 0.5, 90, test, test, false, new Dictionary<string, string>(), rollouts);
        var results = new[]
        {
            R("elm", m, [new RolloutSummary("euler", double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, "state not finite at step 12")]),
            R("a-swim", good, [new RolloutSummary("verlet", 1e-4, 1e-4, 2e-9, 3e-5, 1e-9, 2e-9)]),
        };

        var summary = RunReport.Summary(results)!;
        Assert.StartsWith("Best: a-swim (width 100, model seed 2) — test rel. L2 error of H 2.00e-10", summary, StringComparison.Ordinal);
        Assert.Contains("Rolled out with verlet: within 2.00e-09 of the true H", summary, StringComparison.Ordinal);
        Assert.Equal(["elm width 100 model seed 2, euler: state not finite at step 12"], RunReport.Failures(results, "completed"));
        Assert.Equal(2, RunReport.Failures(results, "interrupted").Count);
    }

    [Fact]
    public void An_error_map_is_scaled_from_a_thousandth_of_its_5th_percentile_to_its_maximum()
    {
        // 100 cells: one at round-off (1e-16), the others spread over 1e-8 .. 1e-6.
        var error = new double[10, 10];
        for (var i = 0; i < 100; i++)
            error[i / 10, i % 10] = i == 0 ? 1e-16 : 1e-8 * Math.Pow(100, (i - 1) / 98.0);
        var (min, max) = Plots.MeaningfulErrorRange(error)!.Value;
        var p5 = 1e-8 * Math.Pow(100, 3 / 98.0); // the 5th percentile: index floor(0.05 * 99) = 4 of the sorted values
        Assert.Equal(1e-3 * p5, min, 1e-25);
        Assert.Equal(1e-6, max, 1e-20);
        Assert.Null(Plots.MeaningfulErrorRange(new double[2, 2]));
    }
}
