using System.Globalization;
using System.Text;
using Hnn.Datasets;
using Hnn.Pipeline.Report;
using Hnn.Stages.Hig;
using Hnn.Stages.Numerics;
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
