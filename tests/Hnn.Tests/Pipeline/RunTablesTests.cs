using DuckDB.NET.Data;
using Xunit;

namespace Hnn.Tests.Pipeline;

/// <summary>results.parquet and rollouts.parquet read back by an independent Parquet reader (DuckDB), against docs/SCHEMA.md.</summary>
[Collection(CliCollection.Name)]
public sealed class RunTablesTests
{
    [Fact]
    public async Task DuckDB_reads_the_documented_schema_and_the_rows_match_results_json()
    {
        using var box = new CliSandbox();
        var yaml = CliSandbox.SmallPipeline.Replace("methods: [elm, u-swim, a-swim, swim]", "methods: [elm, swim]", StringComparison.Ordinal)
            + """

            rollout:
              initial: [[1.5, 0]]
              dt: 0.01
              steps: 50
              integrators: [symplectic-euler, rk4]
            """;
        var run = await box.RunAsync(box.Write("p.yaml", yaml));
        Assert.True(run.ExitCode == 0, run.ToString());
        var dir = CliSandbox.RunDirectoryOf(run);
        var results = CliSandbox.Results(dir);

        using var db = new DuckDBConnection("Data Source=:memory:");
        db.Open();
        Assert.Equal(
            new[]
            {
                ("method", "VARCHAR"), ("width", "INTEGER"), ("data_seed", "UBIGINT"), ("model_seed", "UBIGINT"), ("train_seconds", "DOUBLE"),
                ("rank", "INTEGER"), ("cached", "BOOLEAN"), ("train_points", "BIGINT"), ("test_points", "BIGINT"), ("train_H", "DOUBLE"),
                ("train_gradH", "DOUBLE"), ("train_dx", "DOUBLE"), ("test_H", "DOUBLE"), ("test_gradH", "DOUBLE"), ("test_dx", "DOUBLE"), ("keys", "VARCHAR"),
            },
            Describe(db, Path.Combine(dir, "results.parquet")));

        using (var cmd = db.CreateCommand())
        {
            cmd.CommandText = $"SELECT method, width, model_seed, test_H, json_extract_string(keys, '$.fit') FROM '{Path.Combine(dir, "results.parquet")}' ORDER BY method";
            using var reader = cmd.ExecuteReader();
            var rows = 0;
            while (reader.Read())
            {
                rows++;
                var method = reader.GetString(0);
                var expected = results.Single(r => r.Key.StartsWith(method + " ", StringComparison.Ordinal)).Value;
                Assert.Equal(100, reader.GetInt32(1));
                Assert.Equal(992472UL, (ulong)reader.GetValue(2));
                Assert.Equal(expected.GetProperty("test").GetProperty("h").GetDouble(), reader.GetDouble(3));
                Assert.Equal(expected.GetProperty("keys").GetProperty("fit").GetString(), reader.GetString(4));
            }

            Assert.Equal(2, rows);
        }

        var rollouts = Path.Combine(dir, "rollouts.parquet");
        Assert.Contains(("integrator", "VARCHAR"), Describe(db, rollouts));
        Assert.Contains(("status", "VARCHAR"), Describe(db, rollouts));
        using (var cmd = db.CreateCommand())
        {
            cmd.CommandText = $"SELECT count(*), count(DISTINCT method), count(DISTINCT integrator), count(*) FILTER (WHERE status = 'ok' AND failure = '') FROM '{rollouts}'";
            using var reader = cmd.ExecuteReader();
            Assert.True(reader.Read());
            Assert.Equal(4L, reader.GetInt64(0)); // 2 methods x 2 integrators
            Assert.Equal(2L, reader.GetInt64(1));
            Assert.Equal(2L, reader.GetInt64(2));
            Assert.Equal(4L, reader.GetInt64(3));
        }
    }

    private static List<(string, string)> Describe(DuckDBConnection db, string file)
    {
        using var cmd = db.CreateCommand();
        cmd.CommandText = $"DESCRIBE SELECT * FROM '{file}'";
        using var reader = cmd.ExecuteReader();
        var columns = new List<(string, string)>();
        while (reader.Read())
        {
            columns.Add((reader.GetString(0), reader.GetString(1)));
        }

        return columns;
    }
}
