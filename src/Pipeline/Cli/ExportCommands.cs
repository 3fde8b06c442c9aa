using System.CommandLine;
using System.Globalization;
using System.Text;
using Hnn.Pipeline.Config;
using Hnn.Pipeline.Data;
using Hnn.Pipeline.Models;
using Hnn.Pipeline.Store;

namespace Hnn.Pipeline.Cli;

/// <summary>
/// <c>hnn export</c> (a learned network as a JSON or Parquet weight file or an ONNX model) and <c>hnn predict</c>
/// (H, grad H and x' at given states). Both pick one experiment of a run (<see cref="RunModels"/>).
/// </summary>
public static class ExportCommands
{
    /// <summary>The two commands, wired to <paramref name="guard"/> (which maps exceptions to exit codes) and <paramref name="setExit"/>.</summary>
    internal static Command[] Build(Option<string?> storeOption, TextWriter stdout, TextWriter stderr, Func<Func<int>, int> guard, Action<int> setExit)
    {
        var runArg = new Argument<string>("run") { Description = "Run id (or a unique part of it, or 'latest')" };
        var method = new Option<string?>("--method") { Description = "Experiment's method (elm, u-swim, a-swim, swim, adam, hig); default: the best test H error among the matches" };
        var width = new Option<int?>("--width") { Description = "Experiment's hidden-layer width" };
        var seed = new Option<ulong?>("--seed") { Description = "Experiment's model seed" };
        var dataSeed = new Option<ulong?>("--data-seed") { Description = "Experiment's data seed" };
        var format = new Option<string>("--format") { Description = "json | parquet (weight files) | onnx", Required = true };
        var output = new Option<string?>("--output") { Description = "File to write (default: runs/<id>/models/<method>-w<width>-m<seed>-d<seed>.<format> in the store)" };
        var input = new Option<string>("--input") { Description = "States: CSV (header q1..qd,p1..pd, comma-separated) or Parquet", Required = true };
        var predictOutput = new Option<string>("--output") { Description = "Where to write H, dH_dq*, dH_dp*, dq*, dp* per row: .parquet or .csv", Required = true };

        // Values for shell completion ([suggest] directive); validation stays in the commands (their own messages).
        method.CompletionSources.Add([.. Planning.Method.All.Select(m => m.Name)]);
        format.CompletionSources.Add(ModelFormats.Json, ModelFormats.Parquet, ModelFormats.Onnx);

        var export = new Command("export", "Write a run's learned network as a weight file (JSON, Parquet) or an ONNX model computing H and x'")
        {
            runArg, method, width, seed, dataSeed, format, output, storeOption,
        };
        var predict = new Command("predict", "Evaluate a run's learned H, grad H and x' = J grad H at the states of a CSV or Parquet file")
        {
            runArg, method, width, seed, dataSeed, input, predictOutput, storeOption,
        };
        ModelQuery Query(ParseResult pr) => new(pr.GetValue(method), pr.GetValue(width), pr.GetValue(seed), pr.GetValue(dataSeed));
        string Store(ParseResult pr) => pr.GetValue(storeOption) ?? PipelineLoader.DefaultStore;
        export.SetAction(pr => setExit(guard(() => Export(Store(pr), pr.GetValue(runArg)!, Query(pr), pr.GetValue(format)!, pr.GetValue(output), stdout, stderr))));
        predict.SetAction(pr => setExit(guard(() => Predict(Store(pr), pr.GetValue(runArg)!, Query(pr), pr.GetValue(input)!, pr.GetValue(predictOutput)!, stdout, stderr))));
        return [export, predict];
    }

    /// <summary><c>hnn export</c>: writes the chosen experiment's model in <paramref name="format"/>; prints where.</summary>
    public static int Export(string storeRoot, string run, ModelQuery query, string format, string? output, TextWriter stdout, TextWriter stderr)
    {
        if (format is not (ModelFormats.Json or ModelFormats.Parquet or ModelFormats.Onnx))
        {
            throw new InputException($"--format '{Shown.Cut(format)}' is not allowed; allowed: {ModelFormats.Allowed}");
        }

        if (output is not null && ModelFormats.FromPath(output) != format)
        {
            throw new InputException($"--output {Shown.Cut(output, 120)}: the file name must end in .{format} for --format {format}");
        }

        var store = new ArtifactStore(storeRoot);
        var (model, note) = RunModels.Load(store, run, query);
        if (note is not null)
        {
            stderr.WriteLine($"note: {note}");
        }

        var info = model.Info;
        var path = output ?? Path.Combine(store.RunsDirectory, info.RunId!, "models", $"{info.Method}-w{info.Width}-m{info.ModelSeed}-d{info.DataSeed}.{format}");
        CheckOutputFolder(path, output is null);
        CliChecks.Writing("--output", path, () => model.Save(path, format));
        stdout.WriteLine($"exported {info.Describe()} of run {info.RunId} as {format}: {path}");
        return Commands.Ok;
    }

    /// <summary><c>hnn predict</c>: reads the states, evaluates the chosen model, writes one row per state.</summary>
    public static int Predict(string storeRoot, string run, ModelQuery query, string input, string output, TextWriter stdout, TextWriter stderr)
    {
        var outFormat = Path.GetExtension(output).ToLowerInvariant();
        if (outFormat is not (".parquet" or ".csv"))
        {
            throw new InputException($"--output {Shown.Cut(output, 120)}: must end in .parquet or .csv");
        }

        CheckOutputFolder(output, false);
        var store = new ArtifactStore(storeRoot);
        var (model, note) = RunModels.Load(store, run, query);
        var x = DataFile.ReadStates(input, model.Dof);
        if (note is not null)
        {
            stderr.WriteLine($"note: {note}");
        }

        var prediction = model.Evaluate(x);
        var table = PredictionTable(model, x, prediction);
        CliChecks.Writing("--output", output, () =>
        {
            if (outFormat == ".csv")
            {
                AtomicFile.Write(output, s => WriteCsv(table, s));
            }
            else
            {
                AtomicFile.WriteTo(output, tmp => ParquetTableIO.WriteAsync(table, tmp).GetAwaiter().GetResult());
            }
        });

        stdout.WriteLine($"predicted {prediction.Count} state(s) with {model.Info.Describe()} of run {model.Info.RunId}: {output}");
        return Commands.Ok;
    }

    /// <summary>
    /// The output table: the states (q1.., p1..), H, dH_dq1.., dH_dp1.., dq1.., dp1.. (x' = J grad H); metadata names the
    /// model (run_id, artifact, method, width, seeds).
    /// </summary>
    public static Table PredictionTable(HamiltonianModel model, double[][] x, ModelPrediction prediction)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(prediction);
        var names = Hnn.Pipeline.Execution.Codecs.CoordinateNames(model.Dof);
        var cols = names.Select((n, i) => (n, x[i]))
            .Append(("H", prediction.H))
            .Concat(names.Select((n, i) => ($"dH_d{n}", prediction.GradH[i])))
            .Concat(names.Select((n, i) => ($"d{n}", prediction.Dx[i])));
        var info = model.Info;
        return Table.FromDoubles(cols, new Dictionary<string, string>
        {
            ["run_id"] = info.RunId ?? "",
            ["artifact"] = info.Artifact ?? "",
            ["method"] = info.Method,
            ["width"] = info.Width.ToString(CultureInfo.InvariantCulture),
            ["model_seed"] = info.ModelSeed.ToString(CultureInfo.InvariantCulture),
            ["data_seed"] = info.DataSeed.ToString(CultureInfo.InvariantCulture),
        });
    }

    /// <summary>CSV: a header, then one row per state, every number in round-trip form.</summary>
    private static void WriteCsv(Table table, Stream stream)
    {
        using var w = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16, leaveOpen: true);
        w.Write(string.Join(",", table.ColumnNames));
        w.Write('\n');
        var cols = table.ColumnNames.Select(table.Column).ToArray();
        for (var k = 0; k < table.RowCount; k++)
        {
            for (var i = 0; i < cols.Length; i++)
            {
                if (i > 0)
                {
                    w.Write(',');
                }

                w.Write(cols[i][k].ToString("R", CultureInfo.InvariantCulture));
            }

            w.Write('\n');
        }
    }

    private static void CheckOutputFolder(string path, bool create)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        if (create)
        {
            Directory.CreateDirectory(dir);
        }
        else if (!Directory.Exists(dir))
        {
            throw new InputException($"--output {Shown.Cut(path, 120)}: folder {Shown.Cut(dir, 120)} does not exist");
        }

        if (Directory.Exists(path))
        {
            throw new InputException($"--output {Shown.Cut(path, 120)} is a folder; give a file name");
        }
    }
}
