using System.Globalization;
using Hnn.Datasets;
using Hnn.Stages.Numerics;
using Hnn.Stages.Training;

// The regularisation study at full size (docs/RESULTS.md, "Noise, regularisation and error bars"): for every noise level
// and data seed, RegularisationStudy.Run, one markdown row each and a summary per noise level.
// Usage: regularisation-study [--system pendulum|mass-spring] [--method a-swim] [--width 200] [--train 2500]
//        [--validation 500] [--test 2500] [--noise 0,1e-4,1e-3,1e-2] [--seeds 3943,1,2]
//        [--rows derivatives|midpoint|midpoint-whitened] [--dt 0.1] [--steps 10] [--curve no|yes]
//        or: regularisation-study --bench-sandwich WIDTH DOF RUNS
// With --rows midpoint the rows come from generated noisy trajectories (midpoint target) and --train / --validation
// count trajectories of --steps steps of --dt each (defaults then 250 / 50: 2500 / 500 rows); midpoint-whitened fits the
// output layer on the whitened integral rows (IntegralRows, docs/ALGORITHM.md §2.6). On midpoint rows two more criteria
// are compared: domain (the validation trajectories' rows inside the box) and levels (their whitened level rows), and a
// second table gives the band centred on each choice's own solution. --curve yes prints (stderr) every fixed value's test
// errors and every criterion's score.
// --bench-sandwich WIDTH DOF RUNS: times the sandwich band's products instead (Hnn.RegularisationStudy.SandwichBench, docs/BENCHMARKS.md).
if (args is ["--bench-sandwich", var benchWidth, var benchDof, var benchRuns])
{
    return Hnn.RegularisationStudy.SandwichBench.Run(int.Parse(benchWidth, CultureInfo.InvariantCulture), int.Parse(benchDof, CultureInfo.InvariantCulture),
        int.Parse(benchRuns, CultureInfo.InvariantCulture));
}

var options = new Dictionary<string, string>(StringComparer.Ordinal)
{
    ["system"] = "pendulum",
    ["method"] = "a-swim",
    ["width"] = "200",
    ["train"] = "2500",
    ["validation"] = "500",
    ["test"] = "2500",
    ["noise"] = "0,1e-4,1e-3,1e-2",
    ["seeds"] = "3943,1,2",
    ["rows"] = "derivatives",
    ["dt"] = "0.1",
    ["steps"] = "10",
    ["curve"] = "no",
};
var given = new HashSet<string>(StringComparer.Ordinal);
for (var i = 0; i < args.Length; i += 2)
{
    var key = args[i].TrimStart('-');
    if (!options.ContainsKey(key) || i + 1 >= args.Length)
    {
        Console.Error.WriteLine($"unknown option or missing value: {args[i]} (options: {string.Join(", ", options.Keys.Select(k => "--" + k))})");
        return 2;
    }

    options[key] = args[i + 1];
    given.Add(key);
}

var trajectories = options["rows"] switch
{
    "derivatives" => null,
    "midpoint" => new TrajectoryRows(double.Parse(options["dt"], CultureInfo.InvariantCulture), int.Parse(options["steps"], CultureInfo.InvariantCulture)),
    "midpoint-whitened" => new TrajectoryRows(double.Parse(options["dt"], CultureInfo.InvariantCulture), int.Parse(options["steps"], CultureInfo.InvariantCulture), Whitened: true),
    var other => throw new ArgumentException($"--rows {other}: allowed derivatives, midpoint, midpoint-whitened"),
};
if (trajectories is not null)
{
    options["train"] = given.Contains("train") ? options["train"] : "250";
    options["validation"] = given.Contains("validation") ? options["validation"] : "50";
}

static double[] Doubles(string s) => [.. s.Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture))];
var (system, domain, anchor) = options["system"] switch
{
    "pendulum" => ((HamiltonianSystem)new SinglePendulum(), Domain.Uniform(1, new Interval(-Math.PI, Math.PI), new Interval(-1, 1)), new Anchor([0.0, 0.0], 0.0)),
    "mass-spring" => (new MassSpring(), Domain.Uniform(1, new Interval(-5, 5), new Interval(-5, 5)), new Anchor([1.0, 0.0], 0.0)),
    var other => throw new ArgumentException($"--system {other}: allowed pendulum, mass-spring"),
};
ILinearAlgebra la = LapackLinearAlgebra.TryCreate(out var lapack, out _) ? lapack : new ManagedLinearAlgebra();
var width = int.Parse(options["width"], CultureInfo.InvariantCulture);
var train = int.Parse(options["train"], CultureInfo.InvariantCulture);
var validation = int.Parse(options["validation"], CultureInfo.InvariantCulture);
var test = int.Parse(options["test"], CultureInfo.InvariantCulture);
var seeds = options["seeds"].Split(',').Select(s => ulong.Parse(s, CultureInfo.InvariantCulture)).ToArray();
static string E(double v) => v.ToString("0.00e+00", CultureInfo.InvariantCulture);
static string F(double v) => v.ToString("0.00", CultureInfo.InvariantCulture);
static string F3(double v) => v.ToString("0.000", CultureInfo.InvariantCulture);
Console.WriteLine(trajectories is null
    ? $"system {options["system"]}, {options["method"]} width {width}, derivative rows: {train} train / {validation} validation / {test} test points, backend {la.Name}"
    : $"system {options["system"]}, {options["method"]} width {width}, {options["rows"]} rows of noisy trajectories ({trajectories.Steps} steps of dt {trajectories.Dt}): {train} train / {validation} validation trajectories, {test} test points, backend {la.Name}");
Console.WriteLine();
var summary = new List<string>();
var bandLines = new List<string>();
var headerDone = false;
foreach (var noise in Doubles(options["noise"]))
{
    var ratios = new Dictionary<string, List<double>>(StringComparer.Ordinal);
    var coverage = new List<double>();
    var coverageVal = new List<double>();
    var coverageTraj = new List<double>();
    var chosen = new Dictionary<string, List<double>>(StringComparer.Ordinal);
    var sandwich = new Dictionary<string, List<double>>(StringComparer.Ordinal);
    var sandwichWidened = new Dictionary<string, List<double>>(StringComparer.Ordinal);
    foreach (var seed in seeds)
    {
        var r = RegularisationStudy.Run(la, new RegularisationStudySettings(system, domain, anchor, train, validation, test, width, options["method"], noise, seed, 992472) { Trajectories = trajectories, Trace = options["curve"] == "yes" ? line => Console.Error.WriteLine($"curve {E(noise)} {seed}: {line}") : null });
        if (!headerDone)
        {
            Console.WriteLine($"| noise | data seed | best rcond (test H) | best lambda (test H) | {string.Join(" | ", r.Auto.Select(a => a.Name.Replace("validation", "val", StringComparison.Ordinal)))} | sigma train/true | cover H | cover grad H | sigma val/true | cover H (val) | cover grad H (val) | kappa (traj) | cover H (traj) | Bayes mean test H |");
            Console.WriteLine("|---|---|---|---|" + string.Concat(r.Auto.Select(_ => "---|")) + "---|---|---|---|---|---|---|---|---|");
            headerDone = true;
        }

        var bestR = r.BestFixed(RegularisationKind.Rcond);
        var bestL = r.BestFixed(RegularisationKind.Ridge);
        var best = r.BestFixedOverall.TestH;
        var cells = r.Auto.Select(a =>
        {
            var ratio = a.Result.TestH / best;
            (ratios.TryGetValue(a.Name, out var list) ? list : ratios[a.Name] = []).Add(ratio);
            return $"{E(a.Result.TestH)} ({F(ratio)}x)";
        });
        coverage.Add(r.Bayes.CoverageH);
        coverageVal.Add(r.Bayes.ValidationCoverageH);
        coverageTraj.Add(r.Bayes.TrajectoryCoverageH);
        string Sigma(double sd) => r.Bayes.TrueNoiseSd > 0 ? F(sd / r.Bayes.TrueNoiseSd) : E(sd) + " / 0";
        Console.WriteLine($"| {E(noise)} | {seed} | {E(bestR.Regularisation.Value)} ({E(bestR.TestH)}) | {E(bestL.Regularisation.Value)} ({E(bestL.TestH)}) | {string.Join(" | ", cells)} | {Sigma(r.Bayes.NoiseSd)} | {F3(r.Bayes.CoverageH)} | {F3(r.Bayes.CoverageGrad)} | {Sigma(r.Bayes.ValidationNoiseSd)} | {F3(r.Bayes.ValidationCoverageH)} | {F3(r.Bayes.ValidationCoverageGrad)} | {(double.IsNaN(r.Bayes.TrajectoryScale) ? "-" : F(r.Bayes.TrajectoryScale))} | {(double.IsNaN(r.Bayes.TrajectoryCoverageH) ? "-" : F3(r.Bayes.TrajectoryCoverageH))} | {E(r.Bayes.MeanTestH)} |");
        foreach (var b in r.Bayes.ChosenBands)
        {
            (chosen.TryGetValue(b.Name, out var list) ? list : chosen[b.Name] = []).Add(b.WidenedCoverageH);
            var a = r.Auto.First(x => x.Name == b.Name);
            (sandwich.TryGetValue(b.Name, out var sl) ? sl : sandwich[b.Name] = []).Add(b.SandwichCoverageH);
            (sandwichWidened.TryGetValue(b.Name, out var wl) ? wl : sandwichWidened[b.Name] = []).Add(b.SandwichWidenedCoverageH);
            bandLines.Add($"| {E(noise)} | {seed} | {b.Name} | {a.Choice.Chosen} | {E(a.Result.TestH)} | {F3(b.CoverageH)} | {F(b.Kappa)} | {F3(b.TrajectoryCoverageH)} | {E(b.MedianSdH * b.Kappa)} | {F(b.WidenedKappa)} | {F3(b.WidenedCoverageH)} | {(noise > 0 ? F(b.SandwichNoise / noise) : E(b.SandwichNoise) + " / 0")} | {F3(b.SandwichCoverageH)} | {E(b.SandwichMedianSdH)} | {F(b.SandwichKappa)} | {F3(b.SandwichKappaCoverageH)} | {F(b.SandwichWidenedKappa)} | {F3(b.SandwichWidenedCoverageH)} | {F3(b.SandwichPriorCoverageH)} | {E(b.SandwichBiasTau)} | {F3(b.SandwichBiasCoverageH)} | {E(b.SandwichBiasMedianSdH)} | {F3(b.SandwichModelCoverage.Q05)} / {F3(b.SandwichModelCoverage.Q50)} / {F3(b.SandwichModelCoverage.Q95)} | {F(b.SandwichModelCoverage.InWindow)} | {F(b.SandwichBestScaleInWindow.InWindow)} ({F(b.SandwichBestScaleInWindow.Kappa)}) | {F(b.SandwichBiasExponent)} | {F3(b.SandwichIsotropicBiasCoverageH)} | {(b.SandwichBiasModelCoverage is { } bm ? $"{F3(bm.Q05)} / {F3(bm.Q50)} / {F3(bm.Q95)} | {F(bm.InWindow)} | {(bm.Consistent ? "yes" : "no")}" : "- | - | -")} |");
        }
    }

    summary.Add($"noise {E(noise)}: worst auto/best-fixed ratio " +
        string.Join(", ", ratios.Select(p => $"{p.Key} {F(p.Value.Max())}")) +
        $"; coverage of H, training sigma {F3(coverage.Min())}..{F3(coverage.Max())} (mean {F3(coverage.Average())})" +
        $", validation sigma {F3(coverageVal.Min())}..{F3(coverageVal.Max())} (mean {F3(coverageVal.Average())})" +
        (trajectories is null ? "" : $", trajectory scale {F3(coverageTraj.Min())}..{F3(coverageTraj.Max())} (mean {F3(coverageTraj.Average())})") +
        $"; every run in [0.90, 0.99]: training {(coverage.All(c => c is >= 0.90 and <= 0.99) ? "yes" : "no")}, validation {(coverageVal.All(c => c is >= 0.90 and <= 0.99) ? "yes" : "no")}" +
        (trajectories is null ? "" : $", trajectory scale {(coverageTraj.All(c => c is >= 0.90 and <= 0.99) ? "yes" : "no")}") +
        (chosen.Count == 0 ? "" : "; band at the choice, trajectory scale (>= 1 if noisy): " + string.Join(", ", chosen.Select(p => $"{p.Key} {F3(p.Value.Min())}..{F3(p.Value.Max())} ({(p.Value.All(c => c is >= 0.90 and <= 0.99) ? "yes" : "no")})"))) +
        (sandwich.Count == 0 ? "" : "; sandwich band at the choice, scale 1: " + string.Join(", ", sandwich.Select(p => $"{p.Key} {F3(p.Value.Min())}..{F3(p.Value.Max())} ({(p.Value.All(c => c is >= 0.90 and <= 0.99) ? "yes" : "no")})"))) +
        (sandwichWidened.Count == 0 ? "" : "; sandwich band, kappa >= 1 if noisy: " + string.Join(", ", sandwichWidened.Select(p => $"{p.Key} {F3(p.Value.Min())}..{F3(p.Value.Max())} ({(p.Value.All(c => c is >= 0.90 and <= 0.99) ? "yes" : "no")})"))));
}

if (bandLines.Count > 0)
{
    Console.WriteLine();
    Console.WriteLine("Bands centred on each automatic choice's own solution (BayesianOutputLayer.AtRegularisation), scale kappa from the validation trajectories:");
    Console.WriteLine();
    Console.WriteLine("| noise | data seed | choice | chosen | test H | cover H (training scale) | kappa (traj) | cover H (traj) | median sd (traj) | kappa >= 1 if noisy | cover H (kappa >= 1 if noisy) | sandwich s/true | sandwich cover H | sandwich median sd | sandwich kappa | sandwich cover (kappa) | sandwich kappa >= 1 if noisy | sandwich cover (kappa >= 1 if noisy) | sandwich + prior cover | bias tau (EB) | sandwich + bias cover | sandwich + bias median sd | sandwich cover under its own model (5 / 50 / 95 %) | own model: P(cover in [0.90, 0.99]) | own model: best P over band scales 0.7-1.5 (scale) | bias exponent a (EB) | sandwich + isotropic bias cover | sandwich + bias under its own model (5 / 50 / 95 %) | its P(in [0.90, 0.99]) | sandwich + bias cover consistent with its model |");
    Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    foreach (var line in bandLines)
    {
        Console.WriteLine(line);
    }
}

Console.WriteLine();
foreach (var line in summary)
{
    Console.WriteLine(line);
}

return 0;
