using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Hnn.Datasets;
using Hnn.Pipeline.Config;
using Hnn.Pipeline.Report;
using Hnn.Stages.Hdnn;
using Serilog;

namespace Hnn.Pipeline.Cli;

/// <summary>
/// <c>hnn hdnn</c>: trains (or samples) Hamiltonian deep neural networks on the 2-D benchmarks over several seeds and
/// prints a markdown table of train/test accuracy and wall time (issue 17). With a pipeline file
/// (<c>hnn hdnn pipelines/hdnn/swiss-roll.yaml</c>, an <c>hdnn:</c> section, see <see cref="HdnnPipelineSpec"/>) the
/// stages go through the artifact store (<see cref="HdnnPipeline"/>: a rerun loads them) and a report is written.
/// </summary>
public static class HdnnCommand
{
    /// <summary>The subcommand; <paramref name="setExit"/> receives its exit code.</summary>
    public static Command Create(TextWriter stdout, TextWriter stderr, Action<int> setExit, Func<TextWriter, bool, bool, Serilog.Core.Logger> createLogger)
    {
        ArgumentNullException.ThrowIfNull(createLogger);
        var pipeline = new Argument<string?>("pipeline") { Description = "An H-DNN pipeline (hdnn: section, e.g. pipelines/hdnn/swiss-roll.yaml): cached stages and a report; without it, the options below", Arity = ArgumentArity.ZeroOrOne };
        var store = new Option<string?>("--store") { Description = "With a pipeline: the store (default: the file's hdnn.store, .hnn)" };
        var validate = new Option<bool>("--validate") { Description = "With a pipeline: only parse and validate it; print the resolved settings" };
        var noReport = new Option<bool>("--no-report") { Description = "With a pipeline: skip the report" };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Debug logging (every stage, cached or computed)" };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Warnings and errors only" };
        var dataset = new Option<string>("--dataset") { Description = "swiss_roll, double_circles or double_moons", DefaultValueFactory = _ => "swiss_roll" };
        var model = new Option<string>("--model") { Description = "H1J1, H1J2, H2, MS1, sampled-swim or sampled-elm", DefaultValueFactory = _ => "H1J1" };
        var seeds = new Option<string>("--seeds") { Description = "Comma-separated seeds (data and weights)", DefaultValueFactory = _ => "1,2,3" };
        var layers = new Option<int>("--layers") { Description = "Number of layers", DefaultValueFactory = _ => 64 };
        var epochs = new Option<int>("--epochs") { Description = "Training epochs", DefaultValueFactory = _ => 50 };
        var points = new Option<int>("--points") { Description = "Points generated (half train, half test)", DefaultValueFactory = _ => 8000 };
        var tEnd = new Option<double>("--t-end") { Description = "Final time t_end (step h = t_end / layers)", DefaultValueFactory = _ => 1.2 };
        var readout = new Option<string>("--readout") { Description = "Sampled models: all-activations or last-state", DefaultValueFactory = _ => "all-activations" };
        var figure = new Option<string?>("--figure") { Description = "Write the first seed's decision regions over the test points into this directory (PNG)" };
        var sensitivity = new Option<bool>("--sensitivity") { Description = "Also print the backward sensitivity norms ||dy_N/dy_j|| per layer (test points)" };
        var command = new Command("hdnn", "Train or sample H-DNN classifiers (Galimberti et al.) on a 2-D benchmark; print accuracy and time per seed")
        {
            dataset, model, seeds, layers, epochs, points, tEnd, readout, figure, sensitivity, store, validate, noReport, verbose, quiet,
        };
        command.Arguments.Add(pipeline);
        command.SetAction(pr =>
        {
            try
            {
                if (pr.GetValue(pipeline) is { } file)
                {
                    using var log = createLogger(stderr, pr.GetValue(verbose), pr.GetValue(quiet));
                    setExit(RunPipeline(file, pr.GetValue(store), pr.GetValue(validate), !pr.GetValue(noReport), stdout, log));
                    return;
                }

                // Every option checked before anything runs (the ranges of an hdnn: pipeline's keys).
                var seedList = CliChecks.Seeds("--seeds", pr.GetValue(seeds)!);
                var name = CliChecks.OneOf("--dataset", pr.GetValue(dataset)!, Classification2DGenerators.Names);
                var kind = CliChecks.OneOf("--model", pr.GetValue(model)!, [.. Enum.GetNames<HdnnKind>(), "sampled-swim", "sampled-elm"], ignoreCase: true);
                var lastState = CliChecks.OneOf("--readout", pr.GetValue(readout)!, ["all-activations", "last-state"]) == "last-state";
                var pointCount = pr.GetValue(points);
                if (pointCount < 8 || pointCount > 1_000_000 || pointCount % 4 != 0)
                {
                    throw new InputException(FormattableString.Invariant($"--points {pointCount}: must be a multiple of 4 in [8, 1000000] (half train, half test)"));
                }

                var layerCount = CliChecks.AtLeast("--layers", pr.GetValue(layers), 1);
                var epochCount = CliChecks.AtLeast("--epochs", pr.GetValue(epochs), 1);
                var options = new HdnnRunOptions(layerCount, epochCount, pointCount, CliChecks.Positive("--t-end", pr.GetValue(tEnd)), lastState, pr.GetValue(sensitivity), pr.GetValue(figure));
                Run(name, kind, seedList, options, stdout);
                setExit(0);
            }
            catch (Exception ex) when (ex is ArgumentException or FormatException or OverflowException or InputException)
            {
                stderr.WriteLine($"error: {SpecReader.FirstLine(ex.Message)}");
                setExit(Commands.BadInput);
            }
        });
        return command;
    }

    /// <summary>
    /// Runs (or validates) an H-DNN pipeline: the stages through the store, a markdown table of accuracies and train times
    /// on stdout, the report in &lt;store&gt;/hdnn/&lt;name&gt;/report.md.
    /// </summary>
    public static int RunPipeline(string file, string? storeOverride, bool validateOnly, bool report, TextWriter stdout, ILogger log)
    {
        ArgumentNullException.ThrowIfNull(stdout);
        var spec = HdnnPipelineSpec.Load(file);
        if (validateOnly)
        {
            stdout.WriteLine(FormattableString.Invariant(
                $"valid: {spec.Name}, {spec.Dataset} ({spec.Points} points), models [{string.Join(", ", spec.Kinds())}], {spec.Layers} layers, t_end {spec.TEnd}, {spec.Epochs} epochs, lr {spec.LearningRate}, batch {spec.BatchSize}, alpha {spec.Alpha}, alpha_c {spec.AlphaC}, inner steps {spec.InnerSteps}, seeds [{string.Join(", ", spec.Seeds)}], store {spec.Store}"));
            return 0;
        }

        var storeRoot = storeOverride ?? spec.Store;
        if (StorePolicy.Problem(storeRoot) is { } storeProblem)
        {
            throw new InputException(storeOverride is not null ? $"--store: {storeProblem}" : $"{file}: hdnn.store: {storeProblem}");
        }

        var outcome = HdnnPipeline.RunAsync(spec, storeRoot, log, CancellationToken.None).GetAwaiter().GetResult();
        stdout.WriteLine("| data | model | layers | t_end | seed | train acc | test acc | train time (s) | cached |");
        stdout.WriteLine("|---|---|---|---|---|---|---|---|---|");
        foreach (var r in outcome.Runs)
        {
            stdout.WriteLine(FormattableString.Invariant(
                $"| {spec.Dataset} | {r.Kind} | {spec.Layers} | {spec.TEnd} | {r.Seed} | {r.TrainAccuracy:P2} | {r.TestAccuracy:P2} | {(r.TrainSeconds is { } s ? s.ToString("F1", CultureInfo.InvariantCulture) : "-")} | {(r.Cached ? "yes" : "no")} |"));
        }

        foreach (var g in outcome.Runs.GroupBy(r => r.Kind))
        {
            stdout.WriteLine(FormattableString.Invariant(
                $"| {spec.Dataset} | {g.Key} | {spec.Layers} | {spec.TEnd} | mean of {g.Count()} | {g.Average(r => r.TrainAccuracy):P2} | {g.Average(r => r.TestAccuracy):P2} | {g.Select(r => r.TrainSeconds ?? double.NaN).Average():F1} | |"));
        }

        stdout.WriteLine(FormattableString.Invariant($"stages: {outcome.Computed} computed, {outcome.Cached} loaded from {storeRoot}"));
        HdnnPipeline.WriteStages(storeRoot, spec.Name, outcome);
        if (report)
        {
            var path = HdnnReport.Write(outcome, Path.Combine(storeRoot, "hdnn", spec.Name));
            stdout.WriteLine($"report: {path}");
        }

        return 0;
    }

    /// <summary>2-D points (x, y) to nf = 4 rows (x, 0, 0, y), the embedding of the data generators.</summary>
    private static double[] Embed(double[] xy, int count)
    {
        var rows = new double[count * 4];
        for (var i = 0; i < count; i++)
        {
            rows[i * 4] = xy[2 * i];
            rows[(i * 4) + 3] = xy[(2 * i) + 1];
        }

        return rows;
    }

    private sealed record HdnnRunOptions(int Layers, int Epochs, int Points, double TEnd, bool LastState, bool Sensitivity, string? Figure);

    private static void Run(string dataset, string model, IReadOnlyList<ulong> seeds, HdnnRunOptions options, TextWriter stdout)
    {
        var (layers, epochs, points, sensitivity) = (options.Layers, options.Epochs, options.Points, options.Sensitivity);
        var sampled = model.StartsWith("sampled-", StringComparison.Ordinal);
        var kind = sampled ? HdnnKind.H1J1 : Enum.Parse<HdnnKind>(model, ignoreCase: true);
        var label = sampled ? $"{model} ({(options.LastState ? "last-state" : "all-activations")})" : model;
        stdout.WriteLine(FormattableString.Invariant($"t_end {options.TEnd}, {points} points"));
        stdout.WriteLine("| data | model | layers | epochs | seed | train acc | test acc | time (s) |");
        stdout.WriteLine("|---|---|---|---|---|---|---|---|");
        var rows = new List<(double Train, double Test, double Seconds)>();
        foreach (var seed in seeds)
        {
            var data = Classification2DGenerators.Generate(dataset, points, 4, new Rng(seed, "hdnn-data-" + dataset));
            var (trainX, trainLabels) = data.Train;
            var (testX, testLabels) = data.Test;
            var sw = Stopwatch.StartNew();
            double train, test;
            HdnnParameters parameters;
            Func<double[], int, double[]> score;
            if (sampled)
            {
                var settings = new SampledHdnnSettings
                {
                    Layers = layers,
                    TEnd = options.TEnd,
                    Seed = seed,
                    Readout = options.LastState ? SampledHdnnReadout.LastState : SampledHdnnReadout.AllActivations,
                    Method = model == "sampled-elm" ? SampledHdnnMethod.Elm : SampledHdnnMethod.Swim,
                };
                var result = SampledHdnn.Fit(settings, trainX, trainLabels, testX, testLabels, new Stages.Numerics.ManagedLinearAlgebra());
                (train, test, parameters) = (result.TrainAccuracy, result.TestAccuracy, result.Parameters);
                score = (x, n) => SampledHdnn.Scores(result, settings.Readout, Embed(x, n), n);
            }
            else
            {
                var settings = new HdnnSettings { Kind = kind, Layers = layers, Epochs = epochs, TEnd = options.TEnd, Seed = seed };
                var result = HdnnTrainer.Train(settings, trainX, trainLabels, testX, testLabels);
                (train, test, parameters) = (result.TrainAccuracy, result.TestAccuracy, result.Parameters);
                score = (x, n) =>
                {
                    var last = HdnnForward.Output(result.Parameters, Embed(x, n), n);
                    return Enumerable.Range(0, n).Select(i => LinearClassifier.Logit(result.Classifier, last, i)).ToArray();
                };
            }

            var seconds = sw.Elapsed.TotalSeconds;
            rows.Add((train, test, seconds));
            stdout.WriteLine(FormattableString.Invariant($"| {dataset} | {label} | {layers} | {(sampled ? "-" : epochs)} | {seed} | {train:P2} | {test:P2} | {seconds:F1} |"));
            if (options.Figure is { } dir && seed == seeds[0])
            {
                Directory.CreateDirectory(dir);
                var path = Path.Combine(dir, $"hdnn-{dataset}-{model}-seed{seed}.png");
                var px = Enumerable.Range(0, testLabels.Length).Select(i => testX[i * 4]).ToArray();
                var py = Enumerable.Range(0, testLabels.Length).Select(i => testX[(i * 4) + 3]).ToArray();
                Report.DecisionRegionPlot.Write(path, FormattableString.Invariant($"{label}, {layers} layers, t_end {options.TEnd}: test acc {test:P2}"), data.Box, score, px, py, testLabels);
                stdout.WriteLine($"  figure: {path}");
            }

            if (sensitivity)
            {
                var norms = BackwardSensitivity.MeanSpectralNorms(parameters, testX, testLabels.Length);
                stdout.WriteLine("  sensitivity mean ||dy_N/dy_j||_2, j = 0, 8, ..., N: " + string.Join(", ",
                    Enumerable.Range(0, layers + 1).Where(j => j % 8 == 0 || j == layers).Select(j => FormattableString.Invariant($"{j}: {norms[j]:F3}"))));
            }
        }

        stdout.WriteLine(FormattableString.Invariant(
            $"| {dataset} | {label} | {layers} | {(sampled ? "-" : epochs)} | mean of {rows.Count} | {rows.Average(r => r.Train):P2} | {rows.Average(r => r.Test):P2} | {rows.Average(r => r.Seconds):F1} |"));
    }
}
