using Hnn.Pipeline.Config;
using Hnn.Pipeline.Execution;
using Hnn.Pipeline.Models;
using Hnn.Stages.Evaluation;
using Xunit;

namespace Hnn.Tests.Pipeline;

/// <summary>
/// The list of a run's experiments in export/predict messages names each with the test error it has: H, else x',
/// else none. The audit (2026-12-03) saw "(test H NaN)" for every experiment of a trajectory run from a file.
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
        var e = Assert.Throws<InputException>(() => RunModels.Select("r1", [Result("a-swim", h, dx)], new ModelQuery("swim", null, null, null)));
        Assert.Equal($"run r1: no experiment matches --method swim; the run has: {expected}", e.Message);
        Assert.DoesNotContain("NaN", e.Message, StringComparison.Ordinal);
    }
}
