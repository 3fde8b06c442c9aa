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

        var r = await box.RunAsync(pipeline, Reduced);
        output.WriteLine(r.Stdout);
        Assert.True(r.ExitCode == 0, r.ToString());

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

        // Issue 4, done-means 1, through the pipeline: the quickstart's rollout (from (1.5, 0), 2000 steps of 0.01).
        // Every learned model integrated with symplectic Euler stays within 1e-6 of the exact-H symplectic Euler
        // rollout (measured with these 2000 points: A-SWIM 3.9e-9, U-SWIM 1.2e-8, ELM 7.8e-8); the true energy oscillates within
        // the integrator's own bound (measured 5.03e-3, the exact-H value) while forward Euler's grows to 22 %.
        foreach (var (name, res) in results)
        {
            var rollouts = res.GetProperty("rollouts").EnumerateArray().ToDictionary(o => o.GetProperty("integrator").GetString()!);
            var symplectic = rollouts["symplectic-euler"];
            var euler = rollouts["euler"];
            var deviation = symplectic.GetProperty("max_deviation_from_exact").GetDouble();
            var drift = symplectic.GetProperty("max_energy_drift").GetDouble();
            var eulerDrift = euler.GetProperty("max_energy_drift").GetDouble();
            output.WriteLine($"{name}: symplectic Euler deviation {deviation:e3}, energy drift {drift:e3}; forward Euler drift {eulerDrift:e3}");
            Assert.True(deviation < 1e-6, $"{name}: deviation from the exact-H rollout {deviation:e3} >= 1e-6");
            Assert.InRange(drift, 1e-3, 1e-2); // symplectic Euler's O(h) oscillation, (1.5 - 1)^2 amplitude
            Assert.True(eulerDrift > 10 * drift, $"{name}: forward Euler drift {eulerDrift:e3} not well above symplectic Euler's {drift:e3}");
        }

        Assert.True(File.Exists(Path.Combine(runDir, "report", "figures", "energy-drift.png")));
        // rollouts.parquet and results.parquet hold the same numbers (read by DuckDB, an independent reader).
        using var db = new DuckDB.NET.Data.DuckDBConnection("Data Source=:memory:");
        db.Open();
        using (var cmd = db.CreateCommand())
        {
            cmd.CommandText = $"SELECT count(*) FROM '{Path.Combine(runDir, "rollouts.parquet")}'";
            Assert.Equal(4L * 4, Convert.ToInt64(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture)); // 4 methods x the quickstart's 4 integrators
            cmd.CommandText = $"SELECT max_deviation_from_exact FROM '{Path.Combine(runDir, "rollouts.parquet")}' WHERE method = 'a-swim' AND integrator = 'symplectic-euler'";
            Assert.Equal(results["a-swim w1000 d3943 m992472"].GetProperty("rollouts")[0].GetProperty("max_deviation_from_exact").GetDouble(),
                (double)cmd.ExecuteScalar()!);
        }

        using (var cmd = db.CreateCommand())
        {
            cmd.CommandText = $"SELECT method, width, test_H FROM '{Path.Combine(runDir, "results.parquet")}'";
            using var reader = cmd.ExecuteReader();
            var methods = new List<string>();
            while (reader.Read())
            {
                methods.Add(reader.GetString(0));
                Assert.Equal(1000, reader.GetInt32(1));
                Assert.Equal(results[$"{reader.GetString(0)} w1000 d3943 m992472"].GetProperty("test").GetProperty("h").GetDouble(), reader.GetDouble(2));
            }

            Assert.Equal(["elm", "u-swim", "a-swim", "swim"], methods);
        }
    }
}
