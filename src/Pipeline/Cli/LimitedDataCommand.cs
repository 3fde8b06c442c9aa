using System.CommandLine;
using System.Globalization;
using Hnn.Datasets;
using Hnn.Pipeline.Config;
using Hnn.Stages.Numerics;
using Hnn.Stages.Training;

namespace Hnn.Pipeline.Cli;

/// <summary>
/// <c>hnn limited-data</c>: the paper's limited-data experiment (docs/ALGORITHM.md §6.4) for the trajectory formulations:
/// flow-map pairs of the single pendulum, A-SWIM, test rel. L2 error of H uncorrected and corrected, per step h and
/// seed; prints one markdown row per run and a summary (median, min, max over seeds) per formulation and h, and the
/// observed order of the error in h (least-squares slope of log error against log h over the medians). Not cached.
/// </summary>
public static class LimitedDataCommand
{
    /// <summary>The subcommand; <paramref name="setExit"/> receives its exit code.</summary>
    public static Command Create(TextWriter stdout, TextWriter stderr, Action<int> setExit)
    {
        var formulations = new Option<string>("--formulations") { Description = "Comma-separated: finite-difference, midpoint", DefaultValueFactory = _ => "finite-difference,midpoint" };
        var steps = new Option<string>("--h") { Description = "Comma-separated observation steps h", DefaultValueFactory = _ => "0.05,0.1,0.2,0.4,0.8" };
        var seeds = new Option<int>("--seeds") { Description = "Number of runs: run i uses data seed (data-seed + i) and model seed (model-seed + i)", DefaultValueFactory = _ => 10 };
        var dataSeed = new Option<ulong>("--data-seed") { Description = "First data seed", DefaultValueFactory = _ => 3943 };
        var modelSeed = new Option<ulong>("--model-seed") { Description = "First model seed", DefaultValueFactory = _ => 992472 };
        var train = new Option<int>("--train") { Description = "Training pairs", DefaultValueFactory = _ => 2500 };
        var test = new Option<int>("--test") { Description = "Test points", DefaultValueFactory = _ => 2500 };
        var width = new Option<int>("--width") { Description = "Hidden-layer width", DefaultValueFactory = _ => 200 };
        var rcond = new Option<double>("--rcond") { Description = "Truncation of the solve", DefaultValueFactory = _ => 1e-13 };
        var backend = new Option<string>("--backend") { Description = "auto, lapack or managed", DefaultValueFactory = _ => "auto" };
        var plot = new Option<string?>("--plot") { Description = "Also draw the median errors against h (log-log, with the paper's finite-difference numbers) into this PNG file" };
        var command = new Command("limited-data", "The limited-data experiment: pendulum flow-map pairs, A-SWIM, test H error uncorrected and corrected per h and seed")
        {
            formulations, steps, seeds, dataSeed, modelSeed, train, test, width, rcond, backend, plot,
        };
        command.SetAction(pr =>
        {
            try
            {
                var forms = pr.GetValue(formulations)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                    .Select(name => TargetFormulations.TryParse(name, out var f) && f != TargetFormulation.Derivatives
                        ? f
                        : throw new ArgumentException($"--formulations: '{name}' is not one of finite-difference, midpoint"))
                    .ToList();
                var hs = pr.GetValue(steps)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                    .Select(s => double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var h) && h > 0 && double.IsFinite(h)
                        ? h
                        : throw new ArgumentException($"--h: '{Shown.Cut(s)}' is not allowed: each step must be a finite number > 0"))
                    .ToList();
                if (forms.Count == 0 || hs.Count == 0)
                {
                    throw new ArgumentException(forms.Count == 0 ? "--formulations: lists none; allowed: finite-difference, midpoint" : "--h: lists no step; allowed: comma-separated numbers > 0, e.g. 0.1,0.2");
                }

                Repeats.CheckOption("--formulations", pr.GetValue(formulations)!, forms, f => f.ToName(), "formulation");
                Repeats.CheckOption("--h", pr.GetValue(steps)!, hs, h => h.ToString("R", CultureInfo.InvariantCulture), "step");

                // Every option checked before the first fit (and the plot path before the runs, not after them).
                var n = CliChecks.AtLeast("--seeds", pr.GetValue(seeds), 1);
                CliChecks.AtLeast("--train", pr.GetValue(train), 2);
                CliChecks.AtLeast("--test", pr.GetValue(test), 1);
                CliChecks.AtLeast("--width", pr.GetValue(width), 1);
                CliChecks.UnitInterval("--rcond", pr.GetValue(rcond));
                CliChecks.OneOf("--backend", pr.GetValue(backend)!, ["auto", "lapack", "managed"], ignoreCase: true);
                if (pr.GetValue(plot) is { } plotPath && !plotPath.EndsWith(".png", StringComparison.OrdinalIgnoreCase))
                {
                    throw new ArgumentException($"--plot {Shown.Cut(plotPath)}: must end in .png (an .svg is written next to it)");
                }

                var la = LinearAlgebraBackends.Resolve(pr.GetValue(backend)!, out var note);
                stderr.WriteLine(note);
                Run(la, forms, hs, n, pr.GetValue(dataSeed), pr.GetValue(modelSeed), pr.GetValue(train), pr.GetValue(test), pr.GetValue(width), pr.GetValue(rcond), pr.GetValue(plot), stdout);
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

    private static void Run(ILinearAlgebra la, IReadOnlyList<TargetFormulation> forms, IReadOnlyList<double> hs, int seeds, ulong dataSeed, ulong modelSeed,
        int train, int test, int width, double rcond, string? plotPath, TextWriter stdout)
    {
        var system = new SinglePendulum();
        var domain = new Domain([new Interval(-Math.PI, Math.PI)], [new Interval(-1, 1)]);
        var results = new List<LimitedDataResult>();
        stdout.WriteLine("| formulation | h | data seed | model seed | rank | test H uncorrected | test H corrected |");
        stdout.WriteLine("|---|---|---|---|---|---|---|");
        foreach (var f in forms)
        {
            foreach (var h in hs)
            {
                for (var i = 0; i < seeds; i++)
                {
                    var r = LimitedDataExperiment.Run(la, system, domain, f, h, train, test, width, rcond, dataSeed + (ulong)i, modelSeed + (ulong)i);
                    results.Add(r);
                    stdout.WriteLine(Inv($"| {f.ToName()} | {h} | {r.DataSeed} | {r.ModelSeed} | {r.Rank} | {r.Uncorrected:0.00e+00} | {r.Corrected:0.00e+00} |"));
                    stdout.Flush();
                }
            }
        }

        stdout.WriteLine();
        stdout.WriteLine(Inv($"Summary over {seeds} seed(s): median [min, max] of the test rel. L2 error of H."));
        stdout.WriteLine();
        stdout.WriteLine("| formulation | h | uncorrected | corrected |");
        stdout.WriteLine("|---|---|---|---|");
        foreach (var f in forms)
        {
            foreach (var h in hs)
            {
                var rs = results.Where(r => r.Formulation == f && r.Step == h).ToList();
                stdout.WriteLine(Inv($"| {f.ToName()} | {h} | {Stat(rs.Select(r => r.Uncorrected))} | {Stat(rs.Select(r => r.Corrected))} |"));
            }
        }

        if (plotPath is not null)
        {
            var series = new List<Report.Series>();
            foreach (var f in forms)
            {
                var median = (Func<LimitedDataResult, double> pick) => hs.Select(h => Median(results.Where(r => r.Formulation == f && r.Step == h).Select(pick))).ToArray();
                series.Add(new Report.Series($"{f.ToName()}, uncorrected", [.. hs], median(r => r.Uncorrected)));
                series.Add(new Report.Series($"{f.ToName()}, corrected", [.. hs], median(r => r.Corrected)));
            }

            var paperH = new[] { 0.05, 0.1, 0.2, 0.4, 0.8 };
            series.Add(new Report.Series("paper, finite-difference uncorrected", paperH, [7.42e-3, 1.49e-2, 2.99e-2, 6.07e-2, 1.27e-1], Dashed: true));
            series.Add(new Report.Series("paper, finite-difference corrected", paperH, [1.04e-4, 4.17e-4, 1.68e-3, 6.90e-3, 3.00e-2], Dashed: true));
            var written = Report.Plots.Lines(plotPath, Inv($"Pendulum, {train} pairs, width {width}, A-SWIM: test rel. L2 error of H (median of {seeds})"), "h", "test rel. L2 error of H", series, logY: true, logX: true);
            stdout.WriteLine();
            stdout.WriteLine($"plot: {written.Path}");
        }

        if (hs.Count >= 2)
        {
            stdout.WriteLine();
            foreach (var f in forms)
            {
                var un = hs.Select(h => Median(results.Where(r => r.Formulation == f && r.Step == h).Select(r => r.Uncorrected))).ToList();
                var co = hs.Select(h => Median(results.Where(r => r.Formulation == f && r.Step == h).Select(r => r.Corrected))).ToList();
                stdout.WriteLine(Inv($"observed order in h ({f.ToName()}, slope of log median error vs log h): uncorrected {Slope(hs, un):0.00}, corrected {Slope(hs, co):0.00}"));
                var pairs = Enumerable.Range(1, hs.Count - 1).Select(i => Inv($"{hs[i - 1]}-{hs[i]}: {Slope([hs[i - 1], hs[i]], [un[i - 1], un[i]]):0.00} / {Slope([hs[i - 1], hs[i]], [co[i - 1], co[i]]):0.00}"));
                stdout.WriteLine(Inv($"  between neighbouring h (uncorrected / corrected): {string.Join("; ", pairs)}"));
            }
        }
    }

    /// <summary>Least-squares slope of log y against log x.</summary>
    internal static double Slope(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        var lx = x.Select(v => Math.Log(v)).ToArray();
        var ly = y.Select(v => Math.Log(v)).ToArray();
        var mx = lx.Average();
        var my = ly.Average();
        var num = lx.Zip(ly, (a, b) => (a - mx) * (b - my)).Sum();
        var den = lx.Sum(a => (a - mx) * (a - mx));
        return num / den;
    }

    private static double Median(IEnumerable<double> values)
    {
        var v = values.Order().ToArray();
        return v.Length % 2 == 1 ? v[v.Length / 2] : 0.5 * (v[(v.Length / 2) - 1] + v[v.Length / 2]);
    }

    private static string Stat(IEnumerable<double> values)
    {
        var v = values.ToArray();
        return Inv($"{Median(v):0.00e+00} [{v.Min():0.00e+00}, {v.Max():0.00e+00}]");
    }

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
