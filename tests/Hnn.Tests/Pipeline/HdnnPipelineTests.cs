using Hnn.Pipeline.Report;
using Hnn.Stages.Hdnn;
using Xunit;

namespace Hnn.Tests.Pipeline;

/// <summary>
/// <c>hnn hdnn PIPELINE</c>: stages through the artifact store (a rerun loads every one and reports the same numbers), the
/// report's figures are valid PNGs, and bad input is a one-line error (exit 2). The accuracies themselves come from
/// <see cref="HdnnTrainer"/>, whose gradients are checked in tests/Hnn.Tests/Hdnn; here a tiny network (4 layers,
/// 2 epochs, 400 points) only has to give identical numbers from the cache as from the computation.
/// </summary>
[Collection(CliCollection.Name)]
public sealed class HdnnPipelineTests
{
    [Fact]
    public async Task Rerun_loads_every_stage_and_the_report_has_valid_figures()
    {
        using var sandbox = new CliSandbox();
        var store = Path.Combine(sandbox.Root, "store");
        var pipeline = sandbox.Write("tiny.yaml", $"""
            hdnn:
              name: tiny
              dataset: double_moons
              points: 400
              models: [H1J1, H2]
              layers: 4
              epochs: 2
              batch_size: 50
              seeds: [1, 2]
              store: {store}
            """);

        var first = await CliSandbox.InvokeAsync(["hdnn", pipeline, "--quiet"]);
        var second = await CliSandbox.InvokeAsync(["hdnn", pipeline, "--quiet"]);

        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.True(second.ExitCode == 0, second.ToString());
        // 2 data sets + 2 models x 2 seeds x (train, loss, evaluate, sensitivity) = 18 stages.
        Assert.Contains("stages: 18 computed, 0 loaded", first.Stdout, StringComparison.Ordinal);
        Assert.Contains("stages: 0 computed, 18 loaded", second.Stdout, StringComparison.Ordinal);
        static IEnumerable<string> Accuracies(string stdout) =>
            stdout.Split('\n').Where(l => l.StartsWith("| double_moons", StringComparison.Ordinal)).Select(l => string.Join('|', l.Split('|')[..8]));
        Assert.Equal(Accuracies(first.Stdout), Accuracies(second.Stdout));
        Assert.Contains("| no |", first.Stdout, StringComparison.Ordinal);
        Assert.Contains("| yes |", second.Stdout, StringComparison.Ordinal);

        // H-DNN pipelines write no run manifest: clean must still keep their artifacts (recorded in stages.json), and
        // a rerun after the clean loads every stage again.
        var clean = await CliSandbox.InvokeAsync(["clean", "--store", store]);
        Assert.True(clean.ExitCode == 0, clean.ToString());
        Assert.Contains("removed 0", clean.Stdout, StringComparison.Ordinal);
        var third = await CliSandbox.InvokeAsync(["hdnn", pipeline, "--quiet"]);
        Assert.Contains("stages: 0 computed, 18 loaded", third.Stdout, StringComparison.Ordinal);

        var folder = Path.Combine(store, "hdnn", "tiny");
        var report = File.ReadAllText(Path.Combine(folder, "report.md"));
        var images = System.Text.RegularExpressions.Regex.Matches(report, @"\]\(([^)]+\.png)\)").Select(m => m.Groups[1].Value).ToList();
        // loss, sensitivity, and per model (seed 1): decision regions + 3 planes x 3 layers of propagation.
        Assert.Equal(2 + (2 * (1 + 9)), images.Count);
        foreach (var image in images)
        {
            var info = PngCheck.Validate(Path.Combine(folder, image));
            Assert.True(info.Width > 0 && info.Height > 0, image);
        }
    }

    [Theory]
    [InlineData("points: 7", "hdnn.points is 7; allowed: a multiple of 4 in [8, 1000000]")]
    [InlineData("models: [H3]", "hdnn.models is 'H3'; allowed: H1J1, H1J2, H2, MS1")]
    [InlineData("dataset: spiral", "hdnn.dataset is 'spiral'; allowed: swiss_roll, double_circles, double_moons")]
    [InlineData("t_end: -1", "hdnn.t_end is -1; allowed: a number in (0, 1000]")]
    [InlineData("pointz: 8", "hdnn.pointz: unknown key; did you mean 'hdnn.points'?")]
    public async Task Bad_input_is_one_line_naming_the_key(string line, string expected)
    {
        using var sandbox = new CliSandbox();
        var pipeline = sandbox.Write("bad.yaml", "hdnn:\n  " + line + "\n");

        var r = await CliSandbox.InvokeAsync(["hdnn", pipeline, "--validate"]);

        Assert.Equal(2, r.ExitCode);
        Assert.Contains(expected, r.Stderr, StringComparison.Ordinal);
        Assert.Single(r.Stderr.Trim().Split('\n'));
    }

    [Fact]
    public void Classifier_basis_is_orthonormal_with_the_classifier_normal_first()
    {
        // W = (3, 0, 4, 0) / 5 after normalisation; the rest from Gram-Schmidt over e_1..e_4.
        var basis = HdnnReport.ClassifierBasis([3, 0, 4, 0, 0.5], 4);
        Assert.Equal(4, basis.Length);
        Assert.Equal([0.6, 0, 0.8, 0], basis[0]);
        for (var a = 0; a < 4; a++)
        {
            for (var b = 0; b < 4; b++)
            {
                var dot = Enumerable.Range(0, 4).Sum(i => basis[a][i] * basis[b][i]);
                Assert.Equal(a == b ? 1 : 0, dot, 1e-14);
            }
        }
    }
}
