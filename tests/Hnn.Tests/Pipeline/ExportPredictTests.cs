using System.Globalization;
using Hnn.Datasets;
using Hnn.Pipeline.Execution;
using Hnn.Pipeline.Models;
using Hnn.Pipeline.Store;
using Xunit;

namespace Hnn.Tests.Pipeline;

/// <summary><c>hnn export</c> (json, parquet) and <c>hnn predict</c> on a small mass-spring run.</summary>
[Collection(CliCollection.Name)]
public sealed class ExportPredictTests
{
    private static async Task<(CliSandbox Box, string RunDir)> SmallRunAsync()
    {
        var box = new CliSandbox();
        var yaml = CliSandbox.SmallPipeline.Replace("methods: [elm, u-swim, a-swim, swim]", "methods: [elm, swim]", StringComparison.Ordinal);
        var run = await box.RunAsync(box.Write("p.yaml", yaml), "run.store=" + box.StoreRoot);
        Assert.True(run.ExitCode == 0, run.ToString());
        return (box, CliSandbox.RunDirectoryOf(run));
    }

    /// <summary>40 states on a grid inside the run's domain [-5, 5]^2, as CSV with a header.</summary>
    private static (string Path, double[][] X) WriteStates(CliSandbox box, string name)
    {
        var q = new double[40];
        var p = new double[40];
        for (var k = 0; k < 40; k++)
        {
            q[k] = -4.5 + (k % 8 * 1.25) + 0.1;
            p[k] = -4.0 + (k / 8 * 2.0) + 0.3;
        }

        var path = box.Write(name, "q1,p1\n" + string.Concat(Enumerable.Range(0, 40).Select(k => $"{q[k].ToString("R", CultureInfo.InvariantCulture)},{p[k].ToString("R", CultureInfo.InvariantCulture)}\n")));
        return (path, [q, p]);
    }

    [Fact]
    public async Task Export_without_method_takes_the_best_test_H_error_says_so_and_writes_the_fit_artifacts_network()
    {
        var (box, dir) = await SmallRunAsync();
        using var _ = box;
        var output = Path.Combine(box.Root, "m.json");
        var r = await CliSandbox.InvokeAsync(["export", "latest", "--store", box.StoreRoot, "--format", "json", "--output", output]);
        Assert.True(r.ExitCode == 0, r.ToString());
        var results = CliSandbox.Results(dir);
        var best = results.MinBy(kv => kv.Value.GetProperty("test").GetProperty("h").GetDouble()).Value;
        Assert.Equal("swim", best.GetProperty("method").GetString()); // ELM's error is ~400x SWIM's on this run
        Assert.Contains("2 experiments", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("using swim width 100", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("--method", r.Stderr, StringComparison.Ordinal);

        var model = HamiltonianModel.Load(output);
        var key = best.GetProperty("keys").GetProperty("fit").GetString()!;
        var table = await box.Store().TryReadAsync("fit", key);
        var stored = Codecs.ToNetwork(table!, 2).Network;
        Assert.Equal(stored.Coefficients, model.Network.Coefficients);
        Assert.Equal(stored.Hidden.Biases, model.Network.Hidden.Biases);
        Assert.Equal(stored.Hidden.Weights[0], model.Network.Hidden.Weights[0]);
        Assert.Equal(stored.Hidden.Weights[1], model.Network.Hidden.Weights[1]);
        Assert.Equal(BitConverter.DoubleToInt64Bits(stored.OutputBias), BitConverter.DoubleToInt64Bits(model.Network.OutputBias));
        Assert.Equal(("swim", 100, 3943UL, 992472UL, "mass-spring", $"fit/{key}", Path.GetFileName(dir)),
            (model.Info.Method, model.Info.Width, model.Info.DataSeed, model.Info.ModelSeed, model.Info.System, model.Info.Artifact, model.Info.RunId));
        Assert.Equal([1.0, 0.0], model.Info.AnchorX0);
        Assert.Equal(0.0, model.Info.AnchorH0);

        // Parquet: same network; default output path in the run folder.
        r = await CliSandbox.InvokeAsync(["export", Path.GetFileName(dir)[..15], "--store", box.StoreRoot, "--method", "elm", "--format", "parquet"]);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("", r.Stderr);
        var elm = HamiltonianModel.Load(Path.Combine(dir, "models", "elm-w100-m992472-d3943.parquet"));
        var elmStored = Codecs.ToNetwork((await box.Store().TryReadAsync("fit", results.Single(kv => kv.Key.StartsWith("elm", StringComparison.Ordinal)).Value.GetProperty("keys").GetProperty("fit").GetString()!))!, 2).Network;
        Assert.Equal(elmStored.Coefficients, elm.Network.Coefficients);
    }

    [Fact]
    public async Task Predict_equals_the_in_process_model_bit_for_bit_and_x_dot_agrees_with_the_true_system_to_the_test_error()
    {
        var (box, dir) = await SmallRunAsync();
        using var _ = box;
        var (input, x) = WriteStates(box, "states.csv");
        var model = HamiltonianModel.FromRun(box.Store(), "latest", "swim");
        var expected = model.Evaluate(x);
        foreach (var name in new[] { "out.parquet", "out.csv" })
        {
            var output = Path.Combine(box.Root, name);
            var r = await CliSandbox.InvokeAsync(["predict", "latest", "--store", box.StoreRoot, "--method", "swim", "--input", input, "--output", output]);
            Assert.True(r.ExitCode == 0, r.ToString());
            Assert.Contains("predicted 40 state(s) with swim width 100", r.Stdout, StringComparison.Ordinal);
            var t = name.EndsWith(".csv", StringComparison.Ordinal) ? ReadCsv(output) : await ParquetTableIO.ReadAsync(output);
            Assert.Equal(["q1", "p1", "H", "dH_dq1", "dH_dp1", "dq1", "dp1"], t.ColumnNames);
            static long[] Bits(double[] v) => [.. v.Select(BitConverter.DoubleToInt64Bits)];
            Assert.Equal(Bits(x[0]), Bits(t.Column("q1")));
            Assert.Equal(Bits(expected.H), Bits(t.Column("H")));
            Assert.Equal(Bits(expected.GradH[0]), Bits(t.Column("dH_dq1")));
            Assert.Equal(Bits(expected.GradH[1]), Bits(t.Column("dH_dp1")));
            Assert.Equal(Bits(expected.Dx[0]), Bits(t.Column("dq1")));
            Assert.Equal(Bits(expected.Dx[1]), Bits(t.Column("dp1")));
        }

        // The model's x' against the true mass-spring x' on these states: the relative L2 error should be of the order of
        // the run's own test x' error (results.json; same distribution of states, both uniform over the domain).
        var truth = SystemRegistry.Create("mass-spring");
        double num = 0, den = 0;
        for (var k = 0; k < 40; k++)
        {
            var dx = new double[2];
            truth.TimeDerivative([x[0][k], x[1][k]], dx);
            for (var i = 0; i < 2; i++)
            {
                num += Math.Pow(expected.Dx[i][k] - dx[i], 2);
                den += dx[i] * dx[i];
            }
        }

        var err = Math.Sqrt(num / den);
        var testDx = CliSandbox.Results(dir).Single(kv => kv.Key.StartsWith("swim", StringComparison.Ordinal)).Value.GetProperty("test").GetProperty("dx").GetDouble();
        Assert.InRange(err, testDx / 10, testDx * 10);
    }

    [Fact]
    public async Task Bad_inputs_exit_2_with_one_line_naming_the_file_line_and_column()
    {
        var (box, _) = await SmallRunAsync();
        using var __ = box;
        var output = Path.Combine(box.Root, "o.parquet");
        async Task<CliResult> Predict(string input, params string[] extra) =>
            await CliSandbox.InvokeAsync(["predict", "latest", "--store", box.StoreRoot, "--input", input, "--output", output, .. extra]);

        var bad = box.Write("bad.csv", "q1,p1\n1.5,0\n0,1\n2,abc-secret-text\n");
        var r = await Predict(bad, "--method", "swim");
        CliAssert.BadInput(r, [bad + ":4", "column 'p1'", "'abc-secret-text'"]);
        Assert.DoesNotContain("1.5", r.Stderr, StringComparison.Ordinal); // only the offending cell is quoted

        CliAssert.BadInput(await Predict(box.Write("nan.csv", "q1,p1\n1,NaN\n"), "--method", "swim"), ["nan.csv: line 2 (row 1) column 'p1' is NaN"]);
        CliAssert.BadInput(await Predict(box.Write("cols.csv", "q1,x\n1,2\n"), "--method", "swim"), ["cols.csv: missing column(s) p1", "1 degree(s) of freedom"]);
        CliAssert.BadInput(await Predict(box.Write("dof.csv", "q1,q2,p1,p2\n1,2,3,4\n"), "--method", "swim"), ["dof.csv: column 'q2'", "1 degree(s) of freedom"]);
        CliAssert.BadInput(await Predict(box.Write("empty.csv", "q1,p1\n"), "--method", "swim"), ["empty.csv: no data rows"]);
        CliAssert.BadInput(await Predict(Path.Combine(box.Root, "missing.csv"), "--method", "swim"), ["missing.csv"]);
        CliAssert.BadInput(await Predict(bad, "--method", "adam"), ["--method adam: run ", "has no adam experiment; its methods: "]);
        CliAssert.BadInput(await CliSandbox.InvokeAsync(["export", "latest", "--store", box.StoreRoot, "--format", "json", "--method", "foo"]), ["--method 'foo' is not a method; allowed: elm, u-swim, a-swim, swim, adam, hig (run "]);
        CliAssert.BadInput(await CliSandbox.InvokeAsync(["predict", "latest", "--store", box.StoreRoot, "--method", "swim", "--input", bad, "--output", Path.Combine(box.Root, "o.txt")]), ["must end in .parquet or .csv"]);
        CliAssert.BadInput(await CliSandbox.InvokeAsync(["export", "latest", "--store", box.StoreRoot, "--format", "xml"]), ["--format 'xml'", "json, parquet, onnx"]);
        CliAssert.BadInput(await CliSandbox.InvokeAsync(["export", "nosuchrun", "--store", box.StoreRoot, "--format", "json"]), ["run 'nosuchrun': no such run"]);

        // Found by the audit (2026-12-03): a trailing separator, an empty file, ';' separators, a text column of a
        // Parquet file, an output where nothing can be written, a typed option that is not a number.
        CliAssert.BadInput(await Predict(box.Write("trail.csv", "q1,p1,\n1.5,0,\n"), "--method", "swim"), ["trail.csv:1: header cell 3 of 3 is empty", "separator at the end"]);
        CliAssert.BadInput(await Predict(box.Write("zero.csv", string.Empty), "--method", "swim"), ["zero.csv: the input file is empty (0 bytes)"]);
        CliAssert.BadInput(await Predict(box.Write("semi.csv", "q1;p1\n1.5;0\n"), "--method", "swim"), ["semi.csv: missing column(s) q1, p1", "separated by ';' or tabs"]);
        var text = Directory.GetFiles(box.RunsDirectory, "results.parquet", SearchOption.AllDirectories)[0];
        var r2 = await Predict(text, "--method", "swim");
        CliAssert.BadInput(r2, ["column 'method' holds text (string) values; only numeric columns are supported"]);
        Assert.DoesNotContain("ReadOnlyMemory", r2.Stderr, StringComparison.Ordinal);
        var states = box.Write("ok.csv", "q1,p1\n1.5,0\n");
        CliAssert.BadInput(await CliSandbox.InvokeAsync(["predict", "latest", "--store", box.StoreRoot, "--method", "swim", "--input", states, "--output", "/proc/hnn-audit.csv"]), ["--output /proc/hnn-audit.csv: cannot write there"]);
        CliAssert.BadInput(await CliSandbox.InvokeAsync(["export", "latest", "--store", box.StoreRoot, "--method", "swim", "--format", "json", "--output", "/proc/hnn-audit.json"]), ["--output /proc/hnn-audit.json: cannot write there"]);
        CliAssert.BadInput(await CliSandbox.InvokeAsync(["compare", "latest", "--store", box.StoreRoot, "--output", Path.Combine(box.Root, "no", "c.parquet")]), ["--output ", "folder ", "does not exist"]);
        var typed = await CliSandbox.InvokeAsync(["export", "latest", "--store", box.StoreRoot, "--format", "json", "--width", "abc"]);
        CliAssert.BadInput(typed, ["--width 'abc': must be an integer", "(see 'hnn export --help')"]);
        Assert.DoesNotContain("System.", typed.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(output));
    }

    /// <summary>A CSV written by predict, parsed with the invariant culture (round-trip numbers).</summary>
    private static Table ReadCsv(string path)
    {
        var lines = File.ReadAllLines(path);
        var header = lines[0].Split(',');
        var rows = lines.Skip(1).Select(l => l.Split(',').Select(c => double.Parse(c, CultureInfo.InvariantCulture)).ToArray()).ToArray();
        return Table.FromDoubles(header.Select((h, i) => (h, rows.Select(r => r[i]).ToArray())));
    }
}
