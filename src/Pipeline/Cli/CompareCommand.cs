using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Hnn.Pipeline.Config;
using Hnn.Pipeline.Execution;
using Hnn.Pipeline.Store;

namespace Hnn.Pipeline.Cli;

/// <summary>
/// <c>hnn compare &lt;run&gt; &lt;run&gt; ...</c>: the experiments of several runs side by side (one row per run and
/// experiment: method, width, seeds, rank, errors, time), as a text table and, with <c>--output</c>, as Parquet in the
/// schema of results.parquet with a leading <c>run</c> column (docs/SCHEMA.md).
/// </summary>
public static class CompareCommand
{
    /// <summary>The command, wired to <paramref name="guard"/> (exceptions to exit codes) and <paramref name="setExit"/>.</summary>
    internal static Command Build(Option<string?> storeOption, TextWriter stdout, Func<Func<int>, int> guard, Action<int> setExit)
    {
        var runs = new Argument<string[]>("runs") { Description = "Two or more runs (ids, unique parts of ids, or 'latest')", Arity = ArgumentArity.OneOrMore };
        var output = new Option<string?>("--output") { Description = "Also write the table as Parquet (.parquet)" };
        var command = new Command("compare", "Show the experiments of several runs side by side (and write them as Parquet)") { runs, output, storeOption };
        command.SetAction(pr => setExit(guard(() => Run(pr.GetValue(storeOption) ?? PipelineLoader.DefaultStore, pr.GetValue(runs) ?? [], pr.GetValue(output), stdout))));
        return command;
    }

    /// <summary>Prints the comparison; writes it as Parquet to <paramref name="output"/> when given.</summary>
    public static int Run(string storeRoot, IReadOnlyList<string> runs, string? output, TextWriter stdout)
    {
        ArgumentNullException.ThrowIfNull(runs);
        ArgumentNullException.ThrowIfNull(stdout);
        if (runs.Count < 1)
        {
            throw new InputException("compare: name at least one run (see 'hnn list')");
        }

        if (output is not null && !output.EndsWith(".parquet", StringComparison.OrdinalIgnoreCase))
        {
            throw new InputException($"--output {Shown.Cut(output, 120)}: must end in .parquet");
        }

        if (output is not null)
        {
            CliChecks.OutputFile("--output", output);
        }

        var store = new ArtifactStore(storeRoot);
        var rows = new List<(string Run, ExperimentResult Result)>();
        foreach (var run in runs)
        {
            var dir = Commands.ResolveRun(store, run);
            var id = Path.GetFileName(dir);
            if (rows.Any(r => r.Run == id))
            {
                continue;
            }

            var path = Path.Combine(dir, "results.json");
            List<ExperimentResult> results;
            try
            {
                results = JsonSerializer.Deserialize<List<ExperimentResult>>(File.ReadAllText(path), RunManifest.Json) ?? [];
            }
            catch (Exception e) when (e is JsonException or IOException)
            {
                throw new InputException($"{path}: not readable as a run's results ({Shown.Cut(e.Message, 80)})");
            }

            rows.AddRange(results.Select(r => (id, r)));
        }

        static string E(double v) => double.IsNaN(v) ? "-" : v.ToString("0.00e+00", CultureInfo.InvariantCulture);
        var header = new[] { "run", "method", "width", "data seed", "model seed", "rank", "train time", "test H", "test grad H", "test x'" };
        var table = rows.Select(r => new[]
        {
            r.Run, r.Result.Method, r.Result.Width.ToString(CultureInfo.InvariantCulture), r.Result.DataSeed.ToString(CultureInfo.InvariantCulture),
            r.Result.ModelSeed.ToString(CultureInfo.InvariantCulture), r.Result.Rank.ToString(CultureInfo.InvariantCulture),
            r.Result.TrainSeconds.ToString("F2", CultureInfo.InvariantCulture) + " s", E(r.Result.Test.H), E(r.Result.Test.GradH), E(r.Result.Test.Dx),
        }).ToList();
        var widths = header.Select((h, i) => Math.Max(h.Length, table.Count == 0 ? 0 : table.Max(row => row[i].Length))).ToArray();
        stdout.WriteLine(string.Join("  ", header.Select((h, i) => h.PadRight(widths[i]))).TrimEnd());
        stdout.WriteLine(string.Join("  ", widths.Select(w => new string('-', w))));
        foreach (var row in table)
        {
            stdout.WriteLine(string.Join("  ", row.Select((c, i) => i < 2 ? c.PadRight(widths[i]) : c.PadLeft(widths[i]))).TrimEnd());
        }

        if (output is not null)
        {
            CliChecks.Writing("--output", output, () => RunTables.WriteComparison(output, rows));
            stdout.WriteLine($"wrote {Path.GetFullPath(output)}");
        }

        return Commands.Ok;
    }
}
