using System.Globalization;
using System.Text;
using System.Text.Json;
using Hnn.Datasets;
using Hnn.Pipeline.Cli;
using Hnn.Pipeline.Store;
using Xunit;
using Xunit.Abstractions;

namespace Hnn.Tests.Pipeline;

/// <summary>
/// Pipelines that take their data from a file (<c>data: {file: ...}</c>) instead of generating it: CSV and Parquet,
/// with and without an H column, with and without a system; caching by content; and every kind of bad file.
/// </summary>
[Collection(CliCollection.Name)]
public sealed class DataFileTests(ITestOutputHelper output)
{
    private static readonly string[] ModelStages = ["sample", "fit", "resample", "evaluate"];

    // ---------------------------------------------------------------- runs

    [Fact]
    public async Task Csv_with_H_and_a_system_learns_H()
    {
        using var box = new CliSandbox();
        WriteCsv(Path.Combine(box.Root, "data.csv"), MassSpring(1000), withH: true);
        var pipeline = box.Write("p.yaml", """
            name: csv-with-h
            system: {name: mass-spring}
            data: {file: data.csv, test: 200, seed: 5}
            model: {methods: [u-swim, a-swim, swim], widths: [200], seeds: [7]}
            """);

        var r = await box.RunAsync(pipeline);

        Assert.True(r.ExitCode == 0, r.ToString());
        var results = Errors(CliSandbox.RunDirectoryOf(r));
        Assert.Equal(["a-swim", "swim", "u-swim"], results.Keys.Order(StringComparer.Ordinal));
        foreach (var (method, e) in results)
        {
            output.WriteLine($"{method}: test H {e.TestH:e3}, grad H {e.TestGradH:e3}, x' {e.TestDx:e3} (train H {e.TrainH:e3})");

            // Measured (width 200, 800 training points): test H 2.3e-7 .. 3.0e-7 (train 0.9e-7 .. 1.6e-7),
            // grad H = x' 3.5e-6. Bounds about 10x above.
            Assert.InRange(e.TestH, 0, 3e-6);
            Assert.InRange(e.TrainH, 0, 3e-6);
            Assert.InRange(e.TestGradH, 0, 4e-5);
            Assert.InRange(e.TestDx, 0, 4e-5);
        }

        // 800 training and 200 test points: the default train size is all the other rows.
        var manifest = CliSandbox.ReadJson(Path.Combine(CliSandbox.RunDirectoryOf(r), "manifest.json"));
        Assert.Contains(CliSandbox.Stages(CliSandbox.RunDirectoryOf(r)), s => s.Stage == "load" && !s.Cached);
        Assert.DoesNotContain(CliSandbox.Stages(CliSandbox.RunDirectoryOf(r)), s => s.Stage == "generate");
        Assert.Equal(Path.Combine(box.Root, "data.csv"), manifest.GetProperty("config").GetProperty("data").GetProperty("file").GetString());
    }

    [Fact]
    public async Task Csv_without_H_and_without_a_system_learns_from_derivatives_and_reports_no_H_errors()
    {
        using var box = new CliSandbox();
        WriteCsv(Path.Combine(box.Root, "obs.csv"), MassSpring(600), withH: false);
        var pipeline = box.Write("p.yaml", """
            name: csv-no-h
            data: {file: obs.csv, test: 150, seed: 5}
            anchor: {x0: [1, 0], h0: 0}
            model: {methods: [u-swim, a-swim], widths: [150], seeds: [7]}
            """);

        var r = await box.RunAsync(pipeline);

        Assert.True(r.ExitCode == 0, r.ToString());
        var dir = CliSandbox.RunDirectoryOf(r);
        var results = Errors(dir);
        Assert.Equal(["a-swim", "u-swim"], results.Keys.Order(StringComparer.Ordinal));
        foreach (var (method, e) in results)
        {
            output.WriteLine($"{method}: test grad H {e.TestGradH:e3}, x' {e.TestDx:e3}");
            Assert.True(double.IsNaN(e.TrainH), $"{method}: train H error {e.TrainH} without H in the data");
            Assert.True(double.IsNaN(e.TestH), $"{method}: test H error {e.TestH} without H in the data");

            // Measured (width 150, 450 training points): grad H = x' 3.4e-5 (a-swim) .. 4.0e-5 (u-swim). Bounds about 10x above.
            Assert.InRange(e.TestGradH, 0, 4e-4);
            Assert.InRange(e.TestDx, 0, 4e-4);
        }

        // results.json: the H errors are NaN ("NaN") or null, never a number.
        foreach (var result in CliSandbox.ReadJson(Path.Combine(dir, "results.json")).EnumerateArray())
        {
            foreach (var part in new[] { "train", "test" })
            {
                var h = result.GetProperty(part).GetProperty("h");
                Assert.True(
                    h.ValueKind == JsonValueKind.Null || (h.ValueKind == JsonValueKind.String && h.GetString() == "NaN"),
                    $"{part}.h is {h.GetRawText()}");
                Assert.Equal(JsonValueKind.Number, result.GetProperty(part).GetProperty("grad_h").ValueKind);
            }
        }

        // The table: train H and test H are '-', test grad H and x' are numbers.
        foreach (var method in new[] { "u-swim", "a-swim" })
        {
            var row = r.Stdout.Split('\n').Single(l => l.StartsWith(method + " ", StringComparison.Ordinal));
            var cells = row.Split(' ', StringSplitOptions.RemoveEmptyEntries);

            // method, width, data seed, model seed, train time ("0.12", "s"), rank, train H, test H, test grad H, test x', cached
            Assert.True(cells.Length == 12, row);
            Assert.Equal("-", cells[7]);
            Assert.Equal("-", cells[8]);
            Assert.True(double.TryParse(cells[9], NumberStyles.Float, CultureInfo.InvariantCulture, out _), row);
            Assert.True(double.TryParse(cells[10], NumberStyles.Float, CultureInfo.InvariantCulture, out _), row);
        }

        // Without a system or domain, the spec records none.
        var config = CliSandbox.ReadJson(Path.Combine(dir, "manifest.json")).GetProperty("config");
        Assert.Equal(JsonValueKind.Null, config.GetProperty("system").ValueKind);
        Assert.Equal(1, config.GetProperty("dof").GetInt32());
    }

    [Fact]
    public async Task Parquet_file_gives_the_same_errors_as_the_same_data_in_csv()
    {
        var data = MassSpring(500);
        const string Yaml = """
            name: same-data
            system: {name: mass-spring}
            data: {file: FILE, test: 100, seed: 9}
            model: {methods: [elm, u-swim, a-swim, swim], widths: [100], seeds: [3]}
            """;

        using var csvBox = new CliSandbox();
        WriteCsv(Path.Combine(csvBox.Root, "d.csv"), data, withH: true);
        var csv = await csvBox.RunAsync(csvBox.Write("p.yaml", Yaml.Replace("FILE", "d.csv", StringComparison.Ordinal)));
        Assert.True(csv.ExitCode == 0, csv.ToString());

        using var parquetBox = new CliSandbox();
        await WriteParquetAsync(Path.Combine(parquetBox.Root, "d.parquet"), data, withH: true);
        var parquet = await parquetBox.RunAsync(parquetBox.Write("p.yaml", Yaml.Replace("FILE", "d.parquet", StringComparison.Ordinal)));
        Assert.True(parquet.ExitCode == 0, parquet.ToString());

        // The values round-trip exactly through the CSV ("R" format), so the numbers agree bit for bit.
        CliSandbox.AssertSameNumbers(CliSandbox.Numbers(CliSandbox.RunDirectoryOf(csv)), CliSandbox.Numbers(CliSandbox.RunDirectoryOf(parquet)));
    }

    [Fact]
    public async Task Parquet_file_without_H_runs_with_NaN_H_errors()
    {
        using var box = new CliSandbox();
        await WriteParquetAsync(Path.Combine(box.Root, "obs.parquet"), MassSpring(300), withH: false);
        var pipeline = box.Write("p.yaml", """
            data: {file: obs.parquet, test: 100, train: 150}
            anchor: {x0: [1, 0], h0: 0}
            model: {methods: [a-swim], widths: [60]}
            """);

        var r = await box.RunAsync(pipeline);

        Assert.True(r.ExitCode == 0, r.ToString());
        var e = Assert.Single(Errors(CliSandbox.RunDirectoryOf(r))).Value;
        Assert.True(double.IsNaN(e.TestH));
        output.WriteLine($"a-swim: test x' {e.TestDx:e3}");

        // Measured (width 60, 150 training points): 7.0e-3.
        Assert.InRange(e.TestDx, 0, 7e-2);
    }

    [Fact]
    public async Task Unchanged_file_is_loaded_from_the_cache_and_an_edited_one_recomputes_everything()
    {
        using var box = new CliSandbox();
        var file = Path.Combine(box.Root, "data.csv");
        var data = MassSpring(400);
        WriteCsv(file, data, withH: true);
        var pipeline = box.Write("p.yaml", """
            system: {name: mass-spring}
            data: {file: data.csv, test: 100, seed: 2}
            model: {methods: [u-swim, a-swim], widths: [80], seeds: [4]}
            """);

        var first = await box.RunAsync(pipeline);
        Assert.True(first.ExitCode == 0, first.ToString());
        var stages1 = CliSandbox.Stages(CliSandbox.RunDirectoryOf(first));
        Assert.Single(stages1, s => s.Stage == "load" && !s.Cached);

        // Same bytes, written again (new modification time): everything from the cache.
        WriteCsv(file, data, withH: true);
        var second = await box.RunAsync(pipeline);
        Assert.True(second.ExitCode == 0, second.ToString());
        var stages2 = CliSandbox.Stages(CliSandbox.RunDirectoryOf(second));
        Assert.Contains(stages2, s => s.Stage == "load");
        Assert.All(stages2, s => Assert.True(s.Cached, $"{s.Stage} {s.Key} was recomputed on the second run"));
        Assert.Equal(stages1.Select(s => (s.Stage, s.Key)), stages2.Select(s => (s.Stage, s.Key)));
        CliSandbox.AssertSameNumbers(CliSandbox.Numbers(CliSandbox.RunDirectoryOf(first)), CliSandbox.Numbers(CliSandbox.RunDirectoryOf(second)));

        // One value edited: load, split and every model stage get new keys and are computed.
        data.X[1][0] += 1e-3;
        WriteCsv(file, data, withH: true);
        var third = await box.RunAsync(pipeline);
        Assert.True(third.ExitCode == 0, third.ToString());
        var stages3 = CliSandbox.Stages(CliSandbox.RunDirectoryOf(third));
        foreach (var stage in new[] { "load", "split" }.Concat(ModelStages))
        {
            var records = stages3.Where(s => s.Stage == stage).ToList();
            Assert.NotEmpty(records);
            Assert.All(records, s => Assert.DoesNotContain(stages1, old => old.Key == s.Key));

            // (A-SWIM reuses the U-SWIM hidden layer of the same run: that one sample record is a cache hit.)
            Assert.Contains(records, s => !s.Cached);
            if (stage is "load" or "split")
            {
                Assert.All(records, s => Assert.False(s.Cached, $"{stage} {s.Key} came from the cache after the file changed"));
            }
        }

        Assert.All(CliSandbox.Results(CliSandbox.RunDirectoryOf(third)).Values, r => Assert.False(r.GetProperty("from_cache").GetBoolean()));
    }

    // ---------------------------------------------------------------- bad input

    /// <summary>Bad files and pipelines found when the pipeline is loaded: run and validate print the same one line.</summary>
    [Theory]
    [InlineData("missing file")]
    [InlineData("missing column")]
    [InlineData("no q1 column")]
    [InlineData("duplicate column")]
    [InlineData("swim without H")]
    [InlineData("no h0 without a system")]
    [InlineData("system of another dof")]
    [InlineData("x0 of another dof")]
    [InlineData("not csv or parquet")]
    [InlineData("not a parquet file")]
    [InlineData("truncated parquet file")]
    public async Task Bad_data_pipeline_is_rejected_when_loaded(string name)
    {
        using var box = new CliSandbox();
        var (pipeline, expected) = await SetupAsync(box, name);

        var r = await CliSandbox.InvokeAsync(["run", pipeline, "--store", box.StoreRoot]);

        output.WriteLine(r.Stderr.Trim());
        CliAssert.BadInput(r, expected);
        Assert.False(Directory.Exists(box.StoreRoot), "nothing may be run (or stored) for an invalid pipeline");
        var v = await CliSandbox.InvokeAsync(["validate", pipeline]);
        Assert.Equal(Commands.BadInput, v.ExitCode);
        Assert.Equal(r.Stderr, v.Stderr);
    }

    /// <summary>Bad values and row counts, found when the file is read at run time.</summary>
    [Theory]
    [InlineData("non-number cell")]
    [InlineData("NaN cell")]
    [InlineData("inf cell")]
    [InlineData("Infinity cell")]
    [InlineData("NaN cell after a blank line")]
    [InlineData("short line")]
    [InlineData("NaN in parquet")]
    [InlineData("train + test > rows")]
    [InlineData("test leaves fewer than 2 to train")]
    [InlineData("2 rows")]
    public async Task Bad_data_file_is_rejected_when_run(string name)
    {
        using var box = new CliSandbox();
        var (pipeline, expected) = await SetupAsync(box, name);

        var r = await CliSandbox.InvokeAsync(["run", pipeline, "--store", box.StoreRoot, "--quiet"]);

        output.WriteLine(r.Stderr.Trim());
        CliAssert.BadInput(r, expected);
        Assert.DoesNotContain(box.RunDirectories().SelectMany(CliSandbox.Stages), s => s.Stage != "load");
        Assert.Empty(box.TempFiles());
    }

    [Fact]
    public async Task Example_from_data_pipeline_validates()
    {
        var root = RepoRoot.Find();
        var pipeline = Path.Combine(root, "pipelines", "examples", "from-data.yaml");

        var r = await CliSandbox.InvokeAsync(["validate", pipeline]);

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Empty(r.Stderr);
        Assert.Contains("pendulum-observations.csv", r.Stdout, StringComparison.Ordinal);
        Assert.Contains("valid", r.Stdout, StringComparison.Ordinal);
    }

    private static async Task<(string Pipeline, string[] Expected)> SetupAsync(CliSandbox box, string name)
    {
        var csv = Path.Combine(box.Root, "d.csv");
        var data = MassSpring(300);
        string Pipeline(string file = "d.csv", string system = "system: {name: mass-spring}", string methods = "[u-swim, a-swim]", string test = "test: 50", string anchor = "") =>
            box.Write("p.yaml", $$"""
                name: bad
                {{system}}
                data: {file: {{file}}, {{test}}, seed: 1}
                {{anchor}}
                model: {methods: {{methods}}, widths: [20], seeds: [1]}
                """);

        // Replaces the cell in data row `row` (1-based) and column `column` of the CSV with `text`.
        void EditCell(int row, string column, string text)
        {
            var lines = File.ReadAllLines(csv);
            var index = Array.IndexOf(lines[0].Split(','), column);
            var cells = lines[row].Split(',');
            cells[index] = text;
            lines[row] = string.Join(',', cells);
            File.WriteAllLines(csv, lines);
        }

        switch (name)
        {
            case "missing file":
                {
                    var missing = Path.Combine(box.Root, "nope.csv");
                    return (Pipeline(file: "nope.csv"), [box.Root, missing, "data.file", "not found"]);
                }

            case "missing column":
                File.WriteAllText(csv, "q1,p1,dq1,H\n1,2,3,4\n1,2,3,4\n1,2,3,4\n");
                return (Pipeline(), [csv, "missing column(s) dp1", "1 degree(s) of freedom"]);

            case "no q1 column":
                File.WriteAllText(csv, "x,y,dx,dy\n1,2,3,4\n");
                return (Pipeline(), [csv, "no q1 column", "found: x, y, dx, dy"]);

            case "duplicate column":
                File.WriteAllText(csv, "q1,p1,dq1,dp1,p1\n1,2,3,4,5\n");
                return (Pipeline(), [csv, "'p1' appears twice"]);

            case "swim without H":
                WriteCsv(csv, data, withH: false);
                return (Pipeline(methods: "[u-swim, swim]"), ["p.yaml", "model.methods", "swim needs the true H", csv, "no H column", "a-swim"]);

            case "no h0 without a system":
                WriteCsv(csv, data, withH: true);
                return (Pipeline(system: string.Empty, anchor: "anchor: {x0: [1, 0]}"), ["p.yaml", "anchor.h0", "required", "without a system"]);

            case "system of another dof":
                WriteCsv(csv, data, withH: true);
                return (Pipeline(system: "system: {name: henon-heiles}"), ["p.yaml", "data.file", "1 degree(s) of freedom", "henon-heiles", "has 2"]);

            case "x0 of another dof":
                WriteCsv(csv, data, withH: false);
                return (Pipeline(system: string.Empty, anchor: "anchor: {x0: [0, 0, 0, 0], h0: 0}"), ["p.yaml", "anchor.x0", "4 coordinates", "the data have 1 degree(s) of freedom"]);

            case "not csv or parquet":
                // Anything that is not .parquet is read as CSV; a NUL byte in it says it is binary.
                File.WriteAllBytes(Path.Combine(box.Root, "d.bin"), [0, 1, 2, 3, 255, 10, 0, 0]);
                return (Pipeline(file: "d.bin"), [Path.Combine(box.Root, "d.bin"), "binary file"]);

            case "not a parquet file":
                {
                    var parquet = Path.Combine(box.Root, "d.parquet");
                    File.WriteAllText(parquet, "q1,p1,dq1,dp1\n1,2,3,4\n");
                    return (Pipeline(file: "d.parquet"), ["p.yaml", "data.file", parquet, "not a readable Parquet file"]);
                }

            case "truncated parquet file":
                {
                    var parquet = Path.Combine(box.Root, "d.parquet");
                    await WriteParquetAsync(parquet, data, withH: true);
                    var bytes = File.ReadAllBytes(parquet);
                    File.WriteAllBytes(parquet, bytes[..(bytes.Length / 2)]);
                    return (Pipeline(file: "d.parquet"), ["p.yaml", "data.file", parquet, "not a readable Parquet file"]);
                }

            case "non-number cell":
                WriteCsv(csv, data, withH: true);
                EditCell(3, "dq1", "abc");
                return (Pipeline(), [$"{csv}:4:", "column 'dq1'", "'abc'", "not a number"]);

            case "NaN cell":
                WriteCsv(csv, data, withH: true);
                EditCell(5, "p1", "NaN");
                return (Pipeline(), [csv, "column 'p1'", "row 5", "line 6", "NaN", "finite"]);

            case "inf cell":
                WriteCsv(csv, data, withH: true);
                EditCell(7, "H", "inf");
                return (Pipeline(), [csv, "8", "column 'H'", "inf"]);

            case "Infinity cell":
                WriteCsv(csv, data, withH: true);
                EditCell(9, "dp1", "-Infinity");
                return (Pipeline(), [csv, "column 'dp1'", "row 9", "line 10", "-Infinity", "finite"]);

            case "NaN cell after a blank line":
                {
                    WriteCsv(csv, data, withH: true);
                    EditCell(20, "q1", "NaN");
                    var lines = File.ReadAllLines(csv).ToList();
                    lines.Insert(10, string.Empty);
                    File.WriteAllLines(csv, lines);

                    // Data row 20 is now on line 22 (the header, then 20 rows and the blank line before it).
                    return (Pipeline(), [csv, "column 'q1'", "row 20", "line 22", "finite"]);
                }

            case "short line":
                WriteCsv(csv, data, withH: true);
                EditCell(4, "H", "1,2");
                return (Pipeline(), [$"{csv}:5:", "6 value(s)", "5 column(s)"]);

            case "NaN in parquet":
                {
                    var parquet = Path.Combine(box.Root, "d.parquet");
                    data.Dx[0][3] = double.NaN;
                    await WriteParquetAsync(parquet, data, withH: true);
                    return (Pipeline(file: "d.parquet"), [parquet, "column 'dq1'", "row 4", "NaN", "finite"]);
                }

            case "train + test > rows":
                WriteCsv(csv, data, withH: true);
                return (Pipeline(test: "train: 250, test: 100"), [csv, "300 rows", "data.train = 250", "data.test = 100"]);

            case "test leaves fewer than 2 to train":
                WriteCsv(csv, data, withH: true);
                return (Pipeline(test: "test: 299"), [csv, "300 rows", "data.train = 1", "data.test = 299", "train >= 2"]);

            case "2 rows":
                WriteCsv(csv, MassSpring(2), withH: true);
                return (Pipeline(test: "test: 1"), [csv, "2 row(s)", "at least 3"]);

            default:
                throw new ArgumentException($"unknown case '{name}'", nameof(name));
        }
    }

    // ---------------------------------------------------------------- data files

    /// <summary>Mass-spring (k = m = 1, q_eq = 1, so H(1, 0) = 0) on [-5, 5]^2.</summary>
    private static DataSet MassSpring(int rows, ulong seed = 11) =>
        DataGenerator.Sample(SystemRegistry.Create("mass-spring"), new Domain([new Interval(-5, 5)], [new Interval(-5, 5)]), rows, seed);

    private static List<(string Name, double[] Values)> Columns(DataSet data, bool withH)
    {
        var names = DataSet.ColumnNames(data.Dof);
        var columns = data.X.Concat(data.Dx).Select((c, i) => (names[i], c)).ToList();
        if (withH)
        {
            columns.Add(("H", data.H));
        }

        return columns;
    }

    /// <summary>A CSV with a header line; values in round-trip ("R") format, invariant culture.</summary>
    private static void WriteCsv(string path, DataSet data, bool withH)
    {
        var columns = Columns(data, withH);
        var sb = new StringBuilder();
        sb.AppendLine(string.Join(',', columns.Select(c => c.Name)));
        for (var k = 0; k < data.Count; k++)
        {
            sb.AppendLine(string.Join(',', columns.Select(c => c.Values[k].ToString("R", CultureInfo.InvariantCulture))));
        }

        File.WriteAllText(path, sb.ToString());
    }

    private static Task WriteParquetAsync(string path, DataSet data, bool withH) =>
        ParquetTableIO.WriteAsync(Table.FromDoubles(Columns(data, withH)), path);

    private sealed record RunErrors(double TrainH, double TestH, double TestGradH, double TestDx);

    /// <summary>results.json as method -> errors (NaN for "NaN" or null).</summary>
    private static Dictionary<string, RunErrors> Errors(string runDir)
    {
        static double D(JsonElement e) => e.ValueKind switch
        {
            JsonValueKind.Number => e.GetDouble(),
            JsonValueKind.String => double.Parse(e.GetString()!, CultureInfo.InvariantCulture),
            _ => double.NaN,
        };
        return CliSandbox.ReadJson(Path.Combine(runDir, "results.json")).EnumerateArray().ToDictionary(
            r => r.GetProperty("method").GetString()!,
            r => new RunErrors(
                D(r.GetProperty("train").GetProperty("h")),
                D(r.GetProperty("test").GetProperty("h")),
                D(r.GetProperty("test").GetProperty("grad_h")),
                D(r.GetProperty("test").GetProperty("dx"))));
    }
}
