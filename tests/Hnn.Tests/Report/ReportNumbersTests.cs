using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Hnn.Pipeline.Execution;
using Hnn.Pipeline.Report;
using Hnn.Stages.Evaluation;
using Hnn.Tests.Pipeline;
using Xunit;

namespace Hnn.Tests.Report;

/// <summary>
/// What a referee checks in a report: the numbers its summary and captions quote are the results artifacts' numbers
/// (parsed from report.md and compared with results.json, formatted the way the report formats them), no NaN is
/// quoted, and no figure is empty or promised without being drawn.
/// </summary>
[Collection(CliCollection.Name)]
public sealed partial class ReportNumbersTests
{
    private static string E(double v) => v.ToString("0.00e+00", CultureInfo.InvariantCulture);

    private static ExperimentResult R(string method, int width, ErrorMetrics test) =>
        new(method, width, 1, 2, 0.5, 90, test, test, false, new Dictionary<string, string>(), null);

    [Fact]
    public void A_summary_without_H_names_the_x_prime_error_and_quotes_no_NaN()
    {
        var results = new[] { R("u-swim", 50, new(double.NaN, 2e-3, 3e-3, 10)), R("a-swim", 50, new(double.NaN, 1e-3, 1.5e-3, 10)) };
        var summary = RunReport.Summary(results)!;
        Assert.DoesNotContain("NaN", summary, StringComparison.Ordinal);
        // a-swim has the smaller x' error (1.5e-3 < 3e-3): it is the best, and its own numbers are quoted.
        Assert.StartsWith("Best: a-swim (width 50, model seed 2) — test rel. L2 error of x' 1.50e-03, of grad H 1.00e-03 (H itself is not measured", summary, StringComparison.Ordinal);
        var note = string.Join(" ", RunReport.FigureNotes(1, results[1], results));
        Assert.DoesNotContain("NaN", note, StringComparison.Ordinal);
        Assert.Contains("test rel. L2 error of x' 1.50e-03; the data carry no H", note, StringComparison.Ordinal);
    }

    [Fact]
    public void The_width_sweep_draws_a_measured_error_or_nothing()
    {
        var withH = new[] { R("elm", 50, new(1e-3, 1e-2, 1e-2, 10)), R("elm", 100, new(1e-4, 1e-3, 1e-3, 10)) };
        var withoutH = new[] { R("elm", 50, new(double.NaN, 1e-2, 2e-2, 10)), R("elm", 100, new(double.NaN, 1e-3, 2e-3, 10)) };
        var nothing = new[] { R("elm", 50, new(double.NaN, double.NaN, double.NaN, 10)), R("elm", 100, new(double.NaN, double.NaN, double.NaN, 10)) };
        var (name, metric) = RunReport.WidthSweepMetric(withH);
        Assert.Equal("H", name);
        Assert.Equal(1e-4, metric!(withH[1]));
        (name, metric) = RunReport.WidthSweepMetric(withoutH);
        Assert.Equal("x'", name);
        Assert.Equal(2e-3, metric!(withoutH[1]));
        Assert.Null(RunReport.WidthSweepMetric(nothing).Metric);
    }

    [Fact]
    public void A_report_without_figures_says_why()
    {
        var notes = RunReport.FigureNotes(0, R("elm", 50, new(1e-3, 1e-2, 1e-2, 10)), []);
        Assert.Single(notes);
        Assert.StartsWith("No figures: ", notes[0], StringComparison.Ordinal);
        Assert.DoesNotContain("Figures of one model per method", notes[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Summary_numbers_equal_results_json_with_and_without_H()
    {
        using var box = new CliSandbox();
        // With H: the small mass-spring pipeline with a short rollout (the summary quotes the rollout's numbers too).
        var small = box.Write("small.yaml", CliSandbox.SmallPipeline + "\nrollout:\n  integrators: [verlet]\n  steps: 50\n  dt: 0.01\n  initial: [[1.5, 0]]\n");
        var r = await box.RunAsync(small);
        Assert.True(r.ExitCode == 0, r.ToString());
        var (summary, md, best) = SummaryAndBest(CliSandbox.RunDirectoryOf(r), "h");
        var test = best.GetProperty("test");
        Assert.Contains($"Best: {best.GetProperty("method").GetString()} (width {best.GetProperty("width").GetInt32()}, model seed {best.GetProperty("model_seed").GetUInt64()})", summary, StringComparison.Ordinal);
        Assert.Contains($"test rel. L2 error of H {E(test.GetProperty("h").GetDouble())}, of grad H {E(test.GetProperty("grad_h").GetDouble())}, of x' {E(test.GetProperty("dx").GetDouble())}", summary, StringComparison.Ordinal);
        var roll = best.GetProperty("rollouts")[0];
        Assert.Contains($"Rolled out with {roll.GetProperty("integrator").GetString()}: within {E(roll.GetProperty("max_deviation_from_exact").GetDouble())} of the true H", summary, StringComparison.Ordinal);
        Assert.Contains($"largest state error vs the DOP853 truth {E(roll.GetProperty("max_state_error").GetDouble())}, largest energy drift {E(roll.GetProperty("max_energy_drift").GetDouble())}", summary, StringComparison.Ordinal);
        Assert.DoesNotContain("NaN", md, StringComparison.Ordinal);

        // Without H: the shipped data-file example at two widths (the error-vs-width figure then draws x', not NaN).
        var fromData = Path.Combine(RepoRoot.Find(), "pipelines", "examples", "from-data.yaml");
        r = await box.RunAsync(fromData, "model.widths=[50,100]");
        Assert.True(r.ExitCode == 0, r.ToString());
        var runDir = CliSandbox.RunDirectoryOf(r);
        (summary, md, best) = SummaryAndBest(runDir, "dx");
        test = best.GetProperty("test");
        Assert.Contains($"test rel. L2 error of x' {E(test.GetProperty("dx").GetDouble())}, of grad H {E(test.GetProperty("grad_h").GetDouble())}", summary, StringComparison.Ordinal);
        Assert.DoesNotContain("NaN", md, StringComparison.Ordinal);
        Assert.Contains("Test rel. L2 error of x' vs width", md, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Error_bar_caption_coverage_equals_results_json()
    {
        using var box = new CliSandbox();
        var pipeline = Path.Combine(RepoRoot.Find(), "pipelines", "examples", "pendulum-trajectories.yaml");
        var r = await box.RunAsync(pipeline);
        Assert.True(r.ExitCode == 0, r.ToString());
        var runDir = CliSandbox.RunDirectoryOf(r);
        var md = Prose(File.ReadAllText(Path.Combine(runDir, "report", "report.md")));
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(runDir, "results.json")));
        var coverage = json.RootElement[0].GetProperty("trajectory").GetProperty("coverage95").GetDouble();
        var quoted = Coverage().Matches(md).Select(m => m.Groups["c"].Value).ToList();
        Assert.NotEmpty(quoted); // the caption of the error-bar figure and Table 2 both quote it
        Assert.All(quoted, q => Assert.Equal((100 * coverage).ToString("F1", CultureInfo.InvariantCulture), q));
        Assert.DoesNotContain("NaN", md, StringComparison.Ordinal);
    }

    private static ExperimentResult T(string method, int width, double rolloutError, string? failure = null, string? criterion = "validation") =>
        R(method, width, new(double.NaN, double.NaN, double.NaN, 0)) with
        {
            Trajectory = new TrajectoryResult("midpoint", "ridge", 2e-7, criterion, 0.02, 140, double.NaN, double.NaN, rolloutError, 4 * rolloutError,
                double.NaN, 5, failure, 3e-5, 0.017, 2.8e-3, double.NaN, double.NaN, double.NaN, double.NaN),
        };

    [Fact]
    public void A_trajectory_run_without_a_system_gets_a_card_of_the_best_held_out_rollout()
    {
        // No test error of H or x' (no known system): the card ranks by the held-out rollout error (elm's 1e-3 < a-swim's 2e-3).
        var results = new[] { T("a-swim", 200, 2e-3), T("elm", 100, 1e-3), T("u-swim", 50, double.NaN, "state not finite at t = 1.5") };
        Assert.Equal(
            "Best by held-out rollout: elm (width 100, model seed 2) — rel. L2 state error of its DOP853 rollouts along the 5 held-out test trajectories " +
            "1.00e-03 (largest state error 4.00e-03); regularisation ridge, lambda 2.00e-07 (chosen by validation); fitted in 0.50 s (sampling and solves). " +
            "No system is known, so no error of H is measured.",
            RunReport.Summary(results));
        Assert.Contains("(as configured)", RunReport.Summary([T("elm", 100, 1e-3, criterion: null)]), StringComparison.Ordinal);
        Assert.Equal(
            "No learned rollout along the held-out test trajectories completed: u-swim (width 50, model seed 2) — state not finite at t = 1.5. No system is known, so no error of H is measured.",
            RunReport.Summary([T("u-swim", 50, double.NaN, "state not finite at t = 1.5")]));
        Assert.Null(RunReport.Summary([R("elm", 50, new(double.NaN, double.NaN, double.NaN, 0))])); // nothing measured, no trajectories
    }

    [Fact]
    public async Task The_trajectory_example_report_has_a_card_with_the_numbers_of_results_json()
    {
        using var box = new CliSandbox();
        var r = await box.RunAsync(Path.Combine(RepoRoot.Find(), "pipelines", "examples", "from-trajectories.yaml"));
        Assert.True(r.ExitCode == 0, r.ToString());
        var runDir = CliSandbox.RunDirectoryOf(r);
        var md = Prose(File.ReadAllText(Path.Combine(runDir, "report", "report.md")));
        var summary = Regex.Replace(md.Split('\n').Single(l => l.StartsWith("> **Summary.**", StringComparison.Ordinal)), @"\\(.)", "$1");
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(runDir, "results.json")));
        var best = Assert.Single(json.RootElement.EnumerateArray().ToList()); // one experiment: a-swim, width 200, model seed 7
        var t = best.GetProperty("trajectory");
        Assert.Equal(
            $"> **Summary.** Best by held-out rollout: {best.GetProperty("method").GetString()} (width {best.GetProperty("width").GetInt32()}, model seed {best.GetProperty("model_seed").GetUInt64()}) — " +
            $"rel. L2 state error of its DOP853 rollouts along the {t.GetProperty("test_trajectories").GetInt32()} held-out test trajectories {E(t.GetProperty("rollout_error").GetDouble())} " +
            $"(largest state error {E(t.GetProperty("rollout_max_error").GetDouble())}); regularisation ridge, lambda {E(t.GetProperty("regularisation_value").GetDouble())} (chosen by validation); " +
            $"fitted in {best.GetProperty("train_seconds").GetDouble().ToString("F2", CultureInfo.InvariantCulture)} s (sampling and solves). No system is known, so no error of H is measured.",
            summary);
        Assert.DoesNotContain("NaN", md, StringComparison.Ordinal);

        // report.html shows the same card at the top.
        var html = File.ReadAllText(Path.Combine(runDir, "report", "report.html"));
        var card = Regex.Match(html, "<p class=\"summary\">(.*?)</p>", RegexOptions.Singleline);
        Assert.True(card.Success, "no summary card in report.html");
        Assert.Contains($"held-out test trajectories {E(t.GetProperty("rollout_error").GetDouble())}", card.Groups[1].Value, StringComparison.Ordinal);
        Assert.Contains($"lambda {E(t.GetProperty("regularisation_value").GetDouble())} (chosen by validation)", card.Groups[1].Value, StringComparison.Ordinal);
    }

    /// <summary>The summary line of report.md, the whole report.md, and results.json's experiment with the smallest test error of <paramref name="metric"/>.</summary>
    private static (string Summary, string Markdown, JsonElement Best) SummaryAndBest(string runDir, string metric)
    {
        var md = Prose(File.ReadAllText(Path.Combine(runDir, "report", "report.md")));
        // report.md escapes Markdown punctuation with a backslash; the summary is compared unescaped.
        var summary = Regex.Replace(md.Split('\n').Single(l => l.StartsWith("> **Summary.**", StringComparison.Ordinal)), @"\\(.)", "$1");
        var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(runDir, "results.json")));
        var best = json.RootElement.EnumerateArray().MinBy(e => e.GetProperty("test").GetProperty(metric).GetDouble());
        return (summary, md, best.Clone());
    }

    /// <summary>report.md up to its configuration and manifest (which hold "NaN" as JSON values, not as prose).</summary>
    private static string Prose(string md) => md[..md.IndexOf("\n## Configuration", StringComparison.Ordinal)];

    [GeneratedRegex(@"coverage[^\n|]*?(?<c>\d+\.\d) %|\| (?<c>\d+\.\d) % \|")]
    private static partial Regex Coverage();
}
