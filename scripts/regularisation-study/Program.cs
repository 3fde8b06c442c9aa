using System.Globalization;
using Hnn.Datasets;
using Hnn.Stages.Numerics;
using Hnn.Stages.Training;

// The regularisation study at full size (docs/RESULTS.md, "Noise, regularisation and error bars"): for every noise level
// and data seed, RegularisationStudy.Run, one markdown row each and a summary per noise level.
// Usage: regularisation-study [--system pendulum|mass-spring] [--method a-swim] [--width 200] [--train 2500]
//        [--validation 500] [--test 2500] [--noise 0,1e-4,1e-3,1e-2] [--seeds 3943,1,2]
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
};
for (var i = 0; i < args.Length; i += 2)
{
    var key = args[i].TrimStart('-');
    if (!options.ContainsKey(key) || i + 1 >= args.Length)
    {
        Console.Error.WriteLine($"unknown option or missing value: {args[i]} (options: {string.Join(", ", options.Keys.Select(k => "--" + k))})");
        return 2;
    }

    options[key] = args[i + 1];
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
Console.WriteLine($"system {options["system"]}, {options["method"]} width {width}, {train} train / {validation} validation / {test} test, backend {la.Name}");
Console.WriteLine();
Console.WriteLine("| noise | data seed | best rcond (test H) | best lambda (test H) | rcond/val | rcond/gcv | ridge/val | ridge/gcv | sigma est/true | cover H | cover grad H | Bayes mean test H |");
Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|---|");
var summary = new List<string>();
foreach (var noise in Doubles(options["noise"]))
{
    var ratios = new Dictionary<string, List<double>>(StringComparer.Ordinal);
    var coverage = new List<double>();
    foreach (var seed in seeds)
    {
        var r = RegularisationStudy.Run(la, new RegularisationStudySettings(system, domain, anchor, train, validation, test, width, options["method"], noise, seed, 992472));
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
        var sigma = r.Bayes.TrueNoiseSd > 0 ? F(r.Bayes.NoiseSd / r.Bayes.TrueNoiseSd) : E(r.Bayes.NoiseSd) + " / 0";
        Console.WriteLine($"| {E(noise)} | {seed} | {E(bestR.Regularisation.Value)} ({E(bestR.TestH)}) | {E(bestL.Regularisation.Value)} ({E(bestL.TestH)}) | {string.Join(" | ", cells)} | {sigma} | {F(r.Bayes.CoverageH)} | {F(r.Bayes.CoverageGrad)} | {E(r.Bayes.MeanTestH)} |");
    }

    summary.Add($"noise {E(noise)}: worst auto/best-fixed ratio " +
        string.Join(", ", ratios.Select(p => $"{p.Key} {F(p.Value.Max())}")) +
        $"; coverage of H {F(coverage.Min())}..{F(coverage.Max())} (mean {F(coverage.Average())})");
}

Console.WriteLine();
foreach (var line in summary)
{
    Console.WriteLine(line);
}

return 0;
