using DuckDB.NET.Data;
using Xunit;

namespace Hnn.Tests.Pipeline;

[Collection(CliCollection.Name)]
public sealed class CompareTests
{
    [Fact]
    public async Task Compare_shows_two_runs_side_by_side_and_writes_them_as_parquet_and_list_shows_the_best()
    {
        using var box = new CliSandbox();
        var pipeline = box.Write("p.yaml", CliSandbox.SmallPipeline.Replace("methods: [elm, u-swim, a-swim, swim]", "methods: [elm, u-swim]", StringComparison.Ordinal));
        var a = await box.RunAsync(pipeline, "model.rcond=1.0e-13");
        var b = await box.RunAsync(pipeline, "model.rcond=1.0e-10");
        Assert.True(a.ExitCode == 0 && b.ExitCode == 0, a + "\n" + b);
        var (idA, idB) = (Path.GetFileName(CliSandbox.RunDirectoryOf(a)), Path.GetFileName(CliSandbox.RunDirectoryOf(b)));
        var output = Path.Combine(box.Root, "cmp.parquet");

        var cmp = await CliSandbox.InvokeAsync(["compare", idA, idB, "--store", box.StoreRoot, "--output", output]);
        Assert.True(cmp.ExitCode == 0, cmp.ToString());
        var lines = cmp.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("run", lines[0], StringComparison.Ordinal);
        Assert.Equal(4, lines.Count(l => l.StartsWith(idA, StringComparison.Ordinal) || l.StartsWith(idB, StringComparison.Ordinal)));

        // The Parquet table holds the same numbers as each run's results.json (DuckDB reads it).
        var expected = new[] { idA, idB }.SelectMany(id => CliSandbox.Results(Path.Combine(box.RunsDirectory, id))
            .Select(r => (id, r.Value.GetProperty("method").GetString(), r.Value.GetProperty("test").GetProperty("h").GetDouble()))).OrderBy(x => x).ToList();
        using var db = new DuckDBConnection("Data Source=:memory:");
        db.Open();
        using var command = db.CreateCommand();
        command.CommandText = $"SELECT run, method, test_H FROM '{output}'";
        using var reader = command.ExecuteReader();
        var actual = new List<(string, string?, double)>();
        while (reader.Read())
        {
            actual.Add((reader.GetString(0), reader.GetString(1), reader.GetDouble(2)));
        }

        Assert.Equal(expected, actual.OrderBy(x => x).ToList());

        var list = await CliSandbox.InvokeAsync(["list", "--store", box.StoreRoot]);
        Assert.Contains("best ", list.Stdout, StringComparison.Ordinal);
        Assert.Contains("(2 experiments)", list.Stdout, StringComparison.Ordinal);

        CliAssert.BadInput(await CliSandbox.InvokeAsync(["compare", "no-such-run", "--store", box.StoreRoot]), ["no-such-run", "no such run"]);
        CliAssert.BadInput(await CliSandbox.InvokeAsync(["compare", idA, "--store", box.StoreRoot, "--output", "x.csv"]), ["--output", ".parquet"]);
    }
}
