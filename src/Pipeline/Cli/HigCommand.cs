using System.Globalization;
using System.Text;
using System.CommandLine;
using System.Diagnostics;
using Hnn.Datasets;
using Hnn.Pipeline.Config;
using Hnn.Pipeline.Report;
using Hnn.Stages.Baseline;
using Hnn.Stages.Evaluation;
using Hnn.Stages.Hig;
using Hnn.Stages.Numerics;
using Hnn.Stages.Sampling;
using Hnn.Stages.Training;
using Serilog;

namespace Hnn.Pipeline.Cli;

/// <summary>
/// <c>hnn hig pipeline.yaml</c>: the HIG coupled-oscillator control study. For each seed, one training set, one test set
/// and one initial network (Rng streams "hig-train", "hig-test", "hig-network" of the seed) shared by the optimisers;
/// each optimiser trains for the budget on one BLAS thread. Writes history.csv (every evaluation), final.md (the table)
/// and loss.png (train and test loss against wall-clock time, seed by seed) into the output folder.
/// </summary>
public static class HigCommand
{
    public static int Run(string pipeline, double? budgetOverride, string? outputOverride, TextWriter stdout, ILogger log, CancellationToken ct)
    {
        var spec = HigStudySpec.Load(pipeline);
        if (budgetOverride is { } b && !(double.IsFinite(b) && b >= 0))
        {
            throw new InputException($"--budget {b.ToString("R", CultureInfo.InvariantCulture)}: must be a finite number of seconds >= 0");
        }

        var budgetSeconds = budgetOverride ?? spec.BudgetSeconds;
        var output = outputOverride ?? spec.Output;
        Directory.CreateDirectory(output);
        ILinearAlgebra la = LapackLinearAlgebra.TryCreate(BlasKernel.LapackLibraryPath(), out var lapack, out var reason) ? lapack.WithThreads(1) : new ManagedLinearAlgebra();
        log.Information("linear algebra: {Backend}{Note}", la.Name, la.IsNative ? string.Empty : " (" + reason + ")");

        var chain = spec.Chain();
        var network = ControlNetwork.ForChain(chain);
        var runs = new List<(ulong Seed, ControlRun Run)>();
        foreach (var seed in spec.Seeds)
        {
            var train = ControlData.Uniform(seed, "hig-train", spec.Train, chain.StateSize);
            var test = ControlData.Uniform(seed, "hig-test", spec.Test, chain.StateSize);
            var theta = network.Initialise(new Rng(seed, "hig-network"));
            foreach (var o in spec.Optimisers)
            {
                ct.ThrowIfCancellationRequested();
                var settings = o.Settings();
                var budget = new ControlBudget(budgetSeconds, EvaluateEvery: o.EvaluateEvery);
                var clock = TimeProvider.System;
                var origin = clock.GetTimestamp();
                double Seconds() => clock.GetElapsedTime(origin).TotalSeconds;
                log.Information("seed {Seed}: {Method} (batch {Batch}, lr {Lr}, truncation {Truncation}) for {Budget} s",
                    seed, settings.Method, settings.BatchSize, settings.LearningRate, settings.Truncation, budgetSeconds);
                var run = ControlTrainer.Train(chain, network, settings, train, test, theta, la, Seconds, budget,
                    r => log.Debug("epoch {Epoch} t {Seconds:F1} s train {Train:0.00e+00} test {Test:0.00e+00}", r.Epoch, r.Seconds, r.TrainLoss, r.TestLoss));
                log.Information("  {Epochs} epochs, {Updates} updates, {Seconds:F1} s: train {Train:0.00e+00}, test {Test:0.00e+00}",
                    run.Final.Epoch, run.Final.Updates, run.Final.Seconds, run.Final.TrainLoss, run.Final.TestLoss);
                runs.Add((seed, run));
            }
        }

        WriteHistory(Path.Combine(output, "history.csv"), runs);
        var table = Table(runs, spec, budgetSeconds);
        File.WriteAllText(Path.Combine(output, "final.md"), table);
        stdout.Write(table);
        Plot(Path.Combine(output, "loss.png"), runs);
        log.Information("wrote {Folder}/history.csv, final.md, loss.png", output);
        return 0;
    }

    /// <summary>The options of <c>hnn hig --hnn PIPELINE</c> (the HIG-trained HNN baseline on an HNN pipeline's data).</summary>
    public sealed class HnnOptions
    {
        public Option<bool> Hnn { get; } = new("--hnn") { Description = "The pipeline is an HNN pipeline (e.g. pipelines/compare/pendulum-small.yaml): train its first width by HIG on its first data seed's data and print the test errors (not cached)" };

        public Option<string?> Seeds { get; } = new("--seeds") { Description = "--hnn: comma-separated model seeds (default: the pipeline's model.seeds)" };

        public Option<int> Steps { get; } = new("--steps") { Description = "--hnn: most HIG steps", DefaultValueFactory = _ => HigSettings.Default.Steps };

        public Option<double?> Seconds { get; } = new("--seconds") { Description = "--hnn: wall-clock budget per seed in seconds (default: none)" };

        public Option<int> Batch { get; } = new("--batch") { Description = "--hnn: rows per HIG step", DefaultValueFactory = _ => HigSettings.Default.BatchSize };

        public Option<double> Lr { get; } = new("--lr") { Description = "--hnn: HIG learning rate", DefaultValueFactory = _ => HigSettings.Default.LearningRate };

        public Option<double> Truncation { get; } = new("--truncation") { Description = "--hnn: singular values <= truncation x s_max dropped", DefaultValueFactory = _ => HigSettings.Default.Truncation };

        public Option<string> Init { get; } = new("--init") { Description = "--hnn: initial network of each seed, torch-default (the Adam baseline's default) or xavier (its old plateau-prone scheme); --with-adam uses the same", DefaultValueFactory = _ => "torch-default" };

        public Option<bool> WithAdam { get; } = new("--with-adam") { Description = "--hnn: also train the pipeline's Adam baseline (adam: section) for each seed, interleaved with HIG" };

        public void AddTo(Command command)
        {
            ArgumentNullException.ThrowIfNull(command);
            foreach (var o in new Option[] { Hnn, Seeds, Steps, Seconds, Batch, Lr, Truncation, Init, WithAdam })
                command.Options.Add(o);
        }
    }

    /// <summary>
    /// <c>hnn hig --hnn PIPELINE</c>: the pipeline's data (first data seed, generated and split as <c>hnn run</c> does),
    /// its first width, and for each model seed the HNN trained by HIG (<see cref="HigTrainer"/>, the same initial network
    /// as the Adam baseline of that seed), optionally Adam right after; prints a markdown table of steps, time and the
    /// relative L2 errors of H, and writes the loss histories (step, seconds, loss) to <paramref name="output"/> as CSV.
    /// </summary>
    public static int RunHnn(string pipeline, HnnOptions options, System.CommandLine.ParseResult parsed, string? output, TextWriter stdout, ILogger log, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(parsed);
        var spec = PipelineLoader.Load(pipeline);
        if (spec.System is null || spec.Domain is null || spec.Data.File is not null)
            throw new InputException($"{pipeline}: --hnn needs a pipeline with a system and a domain (generated data), not a data file");
        var seedsText = parsed.GetValue(options.Seeds);
        var seeds = seedsText is null ? spec.Model.Seeds : CliChecks.Seeds("--seeds", seedsText);

        // The options by their names (HigSettings.Validate below would name its own properties).
        CliChecks.AtLeast("--steps", parsed.GetValue(options.Steps), 1);
        CliChecks.AtLeast("--batch", parsed.GetValue(options.Batch), 1);
        CliChecks.Positive("--lr", parsed.GetValue(options.Lr));
        CliChecks.UnitInterval("--truncation", parsed.GetValue(options.Truncation));
        if (parsed.GetValue(options.Seconds) is { } budget && !(double.IsFinite(budget) && budget >= 0))
        {
            throw new InputException($"--seconds {budget.ToString("R", CultureInfo.InvariantCulture)}: must be a finite number >= 0");
        }

        var initName = parsed.GetValue(options.Init) ?? string.Empty;
        var init = initName switch
        {
            "torch-default" => AdamInit.TorchDefault,
            "xavier" => AdamInit.Xavier,
            _ => throw new InputException($"--init '{initName[..Math.Min(initName.Length, 40)]}'; allowed: torch-default, xavier"),
        };
        var settings = new HigSettings(parsed.GetValue(options.Lr), parsed.GetValue(options.Batch), parsed.GetValue(options.Truncation), parsed.GetValue(options.Steps), 1)
        {
            Seconds = parsed.GetValue(options.Seconds),
            Init = init,
        };
        try
        {
            settings.Validate();
        }
        catch (ArgumentException e)
        {
            throw new InputException($"hnn hig --hnn: {e.Message}", e);
        }

        var withAdam = parsed.GetValue(options.WithAdam);
        if (withAdam && spec.Adam is null)
            throw new InputException($"{pipeline}: --with-adam needs an adam: section");
        var system = spec.System.Build();
        var x0 = spec.Anchor.X0.ToArray();
        var anchor = new Anchor(x0, spec.Anchor.H0 ?? system.Energy(x0));
        var dataSeed = spec.Data.Seeds[0];
        var total = spec.Data.Train + spec.Data.Test;
        var data = DataGenerator.Sample(system, spec.Domain, total, Rng.Derive(dataSeed, "generate"));
        var split = DataSplit.Split(total, spec.Data.Train, Rng.Derive(dataSeed, "split"));
        var train = DataSplit.Take(data, split.Train);
        var test = DataSplit.Take(data, split.Test);
        var width = spec.Model.Widths[0];
        ILinearAlgebra la = LapackLinearAlgebra.TryCreate(out var lapack, out var reason) ? lapack.WithThreads(1) : new ManagedLinearAlgebra();
        log.Information("linear algebra: {Backend}{Note}; {Train} train / {Test} test rows, width {Width}, data seed {Seed}", la.Name, la.IsNative ? string.Empty : " (" + reason + ")", train.Count, test.Count, width, dataSeed);
        var folder = output ?? Path.Combine(".hnn", "hig", "hnn-" + spec.Name);
        Directory.CreateDirectory(folder);
        var history = new StringBuilder("method,seed,step,seconds,loss\n");
        var table = new StringBuilder();
        table.Append(CultureInfo.InvariantCulture, $"{spec.Name}: {train.Count} train / {test.Count} test rows, width {width}, data seed {dataSeed}; init {initName}; HIG batch {settings.BatchSize}, lr {settings.LearningRate}, truncation {settings.Truncation}, at most {settings.Steps} steps{(settings.Seconds is { } b ? $" or {b} s" : string.Empty)}, 1 BLAS thread\n\n");
        table.Append("| method | seed | steps | time (s) | last batch loss | train H | test H | test x' |\n|---|---|---|---|---|---|---|---|\n");
        foreach (var seed in seeds)
        {
            ct.ThrowIfCancellationRequested();
            var clock = Stopwatch.StartNew();
            var progress = new Progress<AdamProgress>(p => log.Debug("hig seed {Seed}: step {Step}, loss {Loss:0.00e+00}", seed, p.Step, p.Loss));
            var hig = HigTrainer.Train(train.X, train.Dx, width, anchor, settings, seed, la, () => clock.Elapsed.TotalSeconds, progress, ct);
            var higSeconds = clock.Elapsed.TotalSeconds;
            for (var i = 0; i < hig.Loss.Length; i++)
                history.Append(CultureInfo.InvariantCulture, $"hig,{seed},{hig.LossSteps[i]},{hig.LossSeconds[i]:R},{hig.Loss[i]:R}\n");
            Row("hig", seed, hig.StepsTaken, higSeconds, hig.Loss.Length > 0 ? hig.Loss[^1] : double.NaN, hig.Network);
            if (withAdam)
            {
                var a = spec.Adam!;
                var adamSettings = new AdamSettings(a.LearningRate, a.BatchSize, a.WeightDecay, a.Steps, 1) { Init = init };
                clock.Restart();
                var adam = AdamTrainer.Train(train.X, train.Dx, width, anchor, adamSettings, seed, 1, null, ct);
                var adamSeconds = clock.Elapsed.TotalSeconds;
                for (var i = 0; i < adam.Loss.Length; i += 10)
                    history.Append(CultureInfo.InvariantCulture, $"adam,{seed},{adam.LossSteps[i]},,{adam.Loss[i]:R}\n");
                Row("adam", seed, a.Steps, adamSeconds, adam.Loss[^1], adam.Network);
            }
        }

        File.WriteAllText(Path.Combine(folder, "history.csv"), history.ToString());
        File.WriteAllText(Path.Combine(folder, "final.md"), table.ToString());
        stdout.Write(table);
        log.Information("wrote {Folder}/history.csv, final.md", folder);
        return 0;

        void Row(string method, ulong seed, int steps, double seconds, double loss, Stages.Model.Network network)
        {
            var trainError = Evaluator.Evaluate(network, train.X, train.Dx, train.H);
            var testError = Evaluator.Evaluate(network, test.X, test.Dx, test.H);
            var line = string.Create(CultureInfo.InvariantCulture, $"| {method} | {seed} | {steps} | {seconds:F1} | {loss:0.00e+00} | {trainError.H:0.00e+00} | {testError.H:0.00e+00} | {testError.Dx:0.00e+00} |\n");
            table.Append(line);
            log.Information("{Line}", line.TrimEnd());
        }
    }

    /// <summary>Parses and validates the hig: section; prints the chain, data, budget and each optimiser's settings.</summary>
    public static int Validate(string pipeline, TextWriter stdout)
    {
        var spec = HigStudySpec.Load(pipeline);
        stdout.WriteLine(spec.Chain());
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"train {spec.Train}, test {spec.Test}, seeds [{string.Join(", ", spec.Seeds)}], budget {spec.BudgetSeconds} s, output {spec.Output}"));
        foreach (var o in spec.Optimisers)
            stdout.WriteLine(o.Settings());
        return 0;
    }

    private static void WriteHistory(string path, List<(ulong Seed, ControlRun Run)> runs)
    {
        var sb = new StringBuilder("method,seed,epoch,updates,seconds,train_loss,test_loss\n");
        foreach (var (seed, run) in runs)
            foreach (var r in run.History)
                sb.Append(CultureInfo.InvariantCulture, $"{run.Settings.Method.ToString().ToLowerInvariant()},{seed},{r.Epoch},{r.Updates},{r.Seconds:R},{r.TrainLoss:R},{r.TestLoss:R}\n");
        File.WriteAllText(path, sb.ToString());
    }

    private static string Table(List<(ulong Seed, ControlRun Run)> runs, HigStudySpec spec, double budget)
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"Budget {budget} s per optimiser; {spec.Train} training and {spec.Test} test states; seeds {string.Join(", ", spec.Seeds)}.\n\n");
        sb.Append("| optimiser | seed | epochs | updates | seconds | train loss | test loss |\n|---|---|---|---|---|---|---|\n");
        foreach (var (seed, run) in runs)
        {
            var f = run.Final;
            sb.Append(CultureInfo.InvariantCulture, $"| {run.Settings.Method} | {seed} | {f.Epoch} | {f.Updates} | {f.Seconds:F1} | {f.TrainLoss:E2} | {f.TestLoss:E2} |\n");
        }

        sb.Append("\n| optimiser | train loss: geometric mean (min-max) | test loss: geometric mean (min-max) |\n|---|---|---|\n");
        foreach (var group in runs.GroupBy(r => r.Run.Settings.Method))
        {
            var train = group.Select(r => r.Run.Final.TrainLoss).ToArray();
            var test = group.Select(r => r.Run.Final.TestLoss).ToArray();
            sb.Append(CultureInfo.InvariantCulture, $"| {group.Key} | {GeoMean(train):E2} ({train.Min():E2}-{train.Max():E2}) | {GeoMean(test):E2} ({test.Min():E2}-{test.Max():E2}) |\n");
        }

        return sb.ToString();
    }

    private static double GeoMean(double[] values) => Math.Exp(values.Average(v => Math.Log(v)));

    private static void Plot(string path, List<(ulong Seed, ControlRun Run)> runs)
    {
        var series = new List<Series>();
        foreach (var (seed, run) in runs)
        {
            var name = $"{run.Settings.Method} seed {seed}";
            var xs = run.History.Select(r => r.Seconds).ToArray();
            var style = run.Settings.Method.ToString().ToLowerInvariant(); // one colour per optimiser (ReportStyle)
            series.Add(new Series(name + " train", xs, run.History.Select(r => r.TrainLoss).ToArray(), Style: style));
            series.Add(new Series(name + " test", xs, run.History.Select(r => r.TestLoss).ToArray(), Dashed: true, Style: style));
        }

        Plots.Lines(path, "Coupled oscillators: Adam vs SIP vs HIG", "training wall-clock time [s]", "loss per data point", series, logY: true);
    }
}
