using System.Diagnostics;
using Hnn.Pipeline.Store;
using Xunit;
using Xunit.Abstractions;

namespace Hnn.Tests.Pipeline;

[Collection(CliCollection.Name)]
public sealed class QuickstartEndToEndTests(ITestOutputHelper output)
{
    /// <summary>
    /// The real pipelines/quickstart.yaml (with its include of configs/solver.yaml), reduced to 2000 train / 200 test
    /// points with --set; everything else as a user runs it. Measured (OpenBLAS, seeds 3943 / 992472), test rel. L2 error of H:
    /// width 300 / train 1500: ELM 5.7e-5 (the SWIM family 2.2e-9); width 800 / train 2000: ELM 1.6e-9 but ELM
    /// grad H 3.6e-8; width 1000 / train 2000: ELM 4.4e-10, U-SWIM 6.5e-11, A-SWIM and SWIM 6.1e-11, and every
    /// test error (H, grad H, x') at most 3.7e-9. ELM is what needs the width; this is the smallest comfortable size.
    /// </summary>
    private static readonly string[] Reduced = ["data.train=2000", "data.test=200"];

    [Fact]
    public async Task Reduced_quickstart_runs_end_to_end_and_reaches_1e8()
    {
        using var box = new CliSandbox();
        var pipeline = Path.Combine(RepoRoot.Find(), "pipelines", "quickstart.yaml");

        var sw = Stopwatch.StartNew();
        var r = await box.RunAsync(pipeline, Reduced);
        sw.Stop();
        output.WriteLine($"wall {sw.Elapsed.TotalSeconds:F2} s");
        output.WriteLine(r.Stdout);

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(30), $"took {sw.Elapsed.TotalSeconds:F1} s");

        // The table lists all four methods.
        var tableRows = r.Stdout.Split('\n').Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Where(c => c.Length > 0).ToList();
        foreach (var method in new[] { "elm", "u-swim", "a-swim", "swim" })
        {
            Assert.Contains(tableRows, c => c[0] == method && c[1] == "1000");
        }

        var runDir = CliSandbox.RunDirectoryOf(r);
        Assert.True(File.Exists(Path.Combine(runDir, "manifest.json")));
        Assert.True(File.Exists(Path.Combine(runDir, "results.json")));
        var manifest = CliSandbox.ReadJson(Path.Combine(runDir, "manifest.json"));
        Assert.Equal("completed", manifest.GetProperty("status").GetString());

        var results = CliSandbox.Results(runDir);
        Assert.Equal(4, results.Count);
        foreach (var (name, res) in results)
        {
            var test = res.GetProperty("test");
            var h = test.GetProperty("h").GetDouble();
            var gradH = test.GetProperty("grad_h").GetDouble();
            var dx = test.GetProperty("dx").GetDouble();
            output.WriteLine($"{name}: test H {h:e3}, grad H {gradH:e3}, x' {dx:e3}, rank {res.GetProperty("rank").GetInt32()}");
            Assert.True(h < 1e-8, $"{name}: test H error {h:e3} >= 1e-8");
            Assert.True(gradH < 1e-8, $"{name}: test grad H error {gradH:e3} >= 1e-8");
            Assert.True(dx < 1e-8, $"{name}: test x' error {dx:e3} >= 1e-8");
            Assert.Equal(200, test.GetProperty("count").GetInt64());
        }

        // results.parquet holds the same numbers.
        var table = await ParquetTableIO.ReadAsync(Path.Combine(runDir, "results.parquet"));
        Assert.Equal(4, table.RowCount);
        Assert.Equal("elm,u-swim,a-swim,swim", table.Metadata["methods"]);
        var methods = table.Metadata["methods"].Split(',');
        var testH = table.Column("test_H");
        for (var i = 0; i < methods.Length; i++)
        {
            Assert.Equal(1000, table.Column("width")[i]);
            Assert.Equal(results[$"{methods[i]} w1000 d3943 m992472"].GetProperty("test").GetProperty("h").GetDouble(), testH[i]);
        }
    }
}
