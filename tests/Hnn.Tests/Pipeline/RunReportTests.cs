using System.Text.Json;
using Hnn.Pipeline.Report;
using Hnn.Tests.Report;
using Xunit;
using Xunit.Abstractions;

namespace Hnn.Tests.Pipeline;

/// <summary>
/// Issue 4, done-means 3: the report of each paper pipeline renders without missing images. Each pipeline runs at a
/// small size (data, width and rollout length overridden; everything else — system, domain, methods, rollout
/// initial states and integrators — as shipped), then report.html must embed only valid PNGs and report.md must link
/// only existing valid PNGs.
/// </summary>
[Collection(CliCollection.Name)]
public sealed class RunReportTests(ITestOutputHelper output)
{
    public static TheoryData<string> PaperPipelines()
    {
        var data = new TheoryData<string>();
        foreach (var f in Directory.GetFiles(Path.Combine(RepoRoot.Find(), "pipelines", "paper"), "*.yaml").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(f));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(PaperPipelines))]
    public async Task Paper_pipeline_report_has_every_image(string file)
    {
        using var box = new CliSandbox();
        var pipeline = Path.Combine(RepoRoot.Find(), "pipelines", "paper", file);
        var r = await box.RunAsync(pipeline, "data.train=400", "data.test=100", "model.widths=[40]", "rollout.steps=300");
        Assert.True(r.ExitCode == 0, r.ToString());

        var runDir = CliSandbox.RunDirectoryOf(r);
        var html = Path.Combine(runDir, "report", "report.html");
        Assert.Contains($"report: {html}", r.Stdout, StringComparison.Ordinal);
        var check = ReportCheck.Html(html);
        output.WriteLine($"{file}: {check.ImageCount} images");
        Assert.True(check.Ok, string.Join("\n", check.Problems));
        Assert.True(ReportCheck.Markdown(Path.Combine(runDir, "report", "report.md")).Ok);

        var figures = Directory.GetFiles(Path.Combine(runDir, "report", "figures"), "*.png").Select(Path.GetFileName).ToList();
        Assert.Equal(figures.Count, check.ImageCount);

        // Every line and point figure also as SVG, which parses as XML (the H maps are raster images: PNG only), and the
        // HTML links only SVG files that exist.
        var vector = figures.Where(f => !f!.StartsWith("energy-", StringComparison.Ordinal) || f == "energy-drift.png").ToList();
        foreach (var png in vector)
        {
            var svg = Path.Combine(runDir, "report", "figures", Path.ChangeExtension(png!, ".svg"));
            Assert.True(File.Exists(svg), svg);
            Assert.Equal("svg", System.Xml.Linq.XDocument.Load(svg).Root!.Name.LocalName);
        }

        // The page embeds each of them as SVG (so it zooms crisply) and the H maps as PNG, and links both files of each.
        Assert.Equal(vector.Count, check.SvgCount);
        Assert.Equal(figures.Count - vector.Count, check.Images.Count);
        var links = System.Text.RegularExpressions.Regex.Matches(File.ReadAllText(html), "href=\"([^\"#][^\"]*)\"").Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(vector.Count, links.Count(l => l.EndsWith(".svg", StringComparison.Ordinal)));
        Assert.Equal(vector.Count, links.Count(l => l.EndsWith(".png", StringComparison.Ordinal)));
        Assert.All(links, l => Assert.True(File.Exists(Path.Combine(runDir, "report", l)), $"report.html links {l}, which does not exist"));
        Assert.Contains("trajectories.png", figures);
        Assert.Contains("energy-drift.png", figures);
        Assert.Contains("model-deviation.png", figures);
        var dof2 = file.StartsWith("double", StringComparison.Ordinal) || file.StartsWith("henon", StringComparison.Ordinal);
        Assert.Equal(dof2, figures.Contains("poincare.png"));
        Assert.Equal(!dof2, figures.Contains("energy-u-swim.png")); // H-hat vs H maps on the phase plane for 1 dof
        Assert.Equal(dof2, figures.Contains("energy-u-swim-q1-p1.png")); // and on two planes through the anchor for 2 dof
        Assert.Equal(dof2, figures.Contains("energy-u-swim-q1-q2.png"));
    }

    [Fact]
    public async Task Report_command_rewrites_the_report_of_a_stored_run()
    {
        using var box = new CliSandbox();
        var pipeline = box.Write("p.yaml", CliSandbox.SmallPipeline);
        var r = await box.RunAsync(pipeline, "model.widths=[30,60]", "rollout={steps: 100}");
        Assert.True(r.ExitCode == 0, r.ToString());
        var runDir = CliSandbox.RunDirectoryOf(r);
        var html = Path.Combine(runDir, "report", "report.html");
        File.Delete(html);

        var rep = await CliSandbox.InvokeAsync(["report", "latest", "--store", box.StoreRoot]);
        Assert.True(rep.ExitCode == 0, rep.ToString());
        Assert.Contains(html, rep.Stdout, StringComparison.Ordinal);
        var check = ReportCheck.Html(html);
        Assert.True(check.Ok, string.Join("\n", check.Problems));
        Assert.True(File.Exists(Path.Combine(runDir, "report", "figures", "error-vs-width.png")));
        var text = File.ReadAllText(html);
        Assert.Contains("rollouts", text, StringComparison.Ordinal);
        Assert.Contains("mass-spring", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Report_of_a_run_on_a_data_file_without_a_system_has_what_applies()
    {
        // No true H: no H maps and no rollouts, but the tables and the width sweep.
        using var box = new CliSandbox();
        var pipeline = Path.Combine(RepoRoot.Find(), "pipelines", "examples", "from-data.yaml");
        var r = await box.RunAsync(pipeline, "model.widths=[50,100]");
        Assert.True(r.ExitCode == 0, r.ToString());
        var report = Path.Combine(CliSandbox.RunDirectoryOf(r), "report");
        var check = ReportCheck.Html(Path.Combine(report, "report.html"));
        Assert.True(check.Ok, string.Join("\n", check.Problems));
        Assert.Equal(["error-vs-width.png"], Directory.GetFiles(Path.Combine(report, "figures"), "*.png").Select(Path.GetFileName));
    }

    [Fact]
    public async Task A_rollout_that_blows_up_is_reported_not_fatal()
    {
        // Forward Euler on the harmonic oscillator multiplies the energy by (1 + dt^2) a step: with dt = 0.5 the state
        // overflows after ~6400 steps, for the true H and the learned one alike. Symplectic Euler stays bounded.
        using var box = new CliSandbox();
        var pipeline = box.Write("p.yaml", CliSandbox.SmallPipeline);
        var r = await box.RunAsync(pipeline, "model.methods=[u-swim]", "rollout={dt: 0.5, steps: 8000, integrators: [symplectic-euler, euler]}");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("euler: the state became non-finite", r.Stdout, StringComparison.Ordinal);
        var rollouts = CliSandbox.Results(CliSandbox.RunDirectoryOf(r)).Single().Value.GetProperty("rollouts").EnumerateArray().ToList();
        Assert.True(double.IsFinite(rollouts[0].GetProperty("max_state_error").GetDouble()));
        Assert.Equal(JsonValueKind.Null, rollouts[0].GetProperty("failure").ValueKind);
        Assert.Contains("non-finite", rollouts[1].GetProperty("failure").GetString(), StringComparison.Ordinal);
        var check = ReportCheck.Html(Path.Combine(CliSandbox.RunDirectoryOf(r), "report", "report.html"));
        Assert.True(check.Ok, string.Join("\n", check.Problems));
    }

    [Fact]
    public async Task Report_of_an_unknown_run_is_bad_input()
    {
        using var box = new CliSandbox();
        var rep = await CliSandbox.InvokeAsync(["report", "nope", "--store", box.StoreRoot]);
        CliAssert.BadInput(rep, ["run 'nope'", "no such run"]);
    }

    [Fact]
    public async Task No_report_option_skips_it()
    {
        using var box = new CliSandbox();
        var pipeline = box.Write("p.yaml", CliSandbox.SmallPipeline);
        var r = await CliSandbox.InvokeAsync(["run", pipeline, "--store", box.StoreRoot, "--no-report", "--set", "model.methods=[u-swim]"]);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.False(Directory.Exists(Path.Combine(CliSandbox.RunDirectoryOf(r), "report")));
    }
}
