using Hnn.Pipeline.Config;
using Hnn.Pipeline.Execution;
using Hnn.Pipeline.Models;
using Hnn.Stages.Evaluation;
using Xunit;

namespace Hnn.Tests.Pipeline;

/// <summary>
/// The list of a run's experiments in export/predict messages names each with the test error it has: H, else x',
/// else none. The audit (2026-12-03) saw "(test H NaN)" for every experiment of a trajectory run from a file. An
/// option that matches no experiment on its own (a --method not in the run) is one line naming it and its allowed values.
/// </summary>
public sealed class RunModelsChoiceTests
{
    private static ExperimentResult Result(string method, double h, double dx) =>
        new(method, 200, 1, 7, 0.1, 10, new ErrorMetrics(h, dx, dx, 10), new ErrorMetrics(h, dx, dx, 10), false, new Dictionary<string, string>());

    [Theory]
    [InlineData(1.5e-3, 2e-2, "a-swim width 200 model seed 7 data seed 1 (test H 1.50e-03)")]
    [InlineData(double.NaN, 2e-2, "a-swim width 200 model seed 7 data seed 1 (test x' 2.00e-02)")]
    [InlineData(double.NaN, double.NaN, "a-swim width 200 model seed 7 data seed 1 (no test error)")]
    public void The_choices_name_the_error_each_experiment_has(double h, double dx, string expected)
    {
        // a-swim and model seed 8 each exist, not together: the run's experiments are listed.
        var e = Assert.Throws<InputException>(() => RunModels.Select("r1", [Result("a-swim", h, dx), Result("swim", h, dx) with { ModelSeed = 8 }], new ModelQuery("a-swim", null, 8, null)));
        Assert.StartsWith($"run r1: no experiment matches --method a-swim --seed 8; the run has: {expected}; swim width 200 model seed 8", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("NaN", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("foo", "--method 'foo' is not a method; allowed: elm, u-swim, a-swim, swim, adam, hig (run r1 has a-swim, elm)")]
    [InlineData("swim", "--method swim: run r1 has no swim experiment; its methods: a-swim, elm")]
    [InlineData("ADAM", "--method adam: run r1 has no adam experiment; its methods: a-swim, elm")]
    public void A_method_not_in_the_run_is_one_line_naming_the_option_the_value_and_the_method_names(string method, string expected)
    {
        // Not the list of experiments (the audit's complaint): the option, its value, the method names allowed.
        ExperimentResult[] results = [Result("a-swim", 1e-3, 1e-2), Result("elm", 2e-3, 1e-2), Result("a-swim", 1e-3, 1e-2) with { Width = 400 }];
        var e = Assert.Throws<InputException>(() => RunModels.Select("r1", results, new ModelQuery(method, null, null, null)));
        Assert.Equal(expected, e.Message);
    }

    [Fact]
    public void A_method_alias_or_another_case_picks_the_method_and_a_missing_width_or_seed_names_the_run_s_values()
    {
        ExperimentResult[] results = [Result("u-swim", 1e-3, 1e-2), Result("elm", 2e-3, 1e-2) with { Width = 400 }];
        Assert.Equal("u-swim", RunModels.Select("r1", results, new ModelQuery("USwim", null, null, null)).Chosen.Method);
        Assert.Equal("--width 300: run r1 has no experiment of width 300; its widths: 200, 400",
            Assert.Throws<InputException>(() => RunModels.Select("r1", results, new ModelQuery(null, 300, null, null))).Message);
        Assert.Equal("--seed 9: run r1 has no experiment of model seed 9; its model seeds: 7",
            Assert.Throws<InputException>(() => RunModels.Select("r1", results, new ModelQuery(null, null, 9, null))).Message);
        Assert.Equal("--data-seed 2: run r1 has no experiment of data seed 2; its data seeds: 1",
            Assert.Throws<InputException>(() => RunModels.Select("r1", results, new ModelQuery(null, null, null, 2))).Message);
    }
}
