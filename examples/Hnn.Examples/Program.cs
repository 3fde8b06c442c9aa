// Fit a sampled HNN through the Hnn.Api package on the training rows of an `hnn run`, save it, load it back,
// evaluate it at given states (written in the exact format of `hnn predict ... --output x.csv`), and roll it out.
//
//   dotnet run -- <store> <run> <method> <width> <seed> <states.csv> <out.csv>
//
// scripts/examples.sh runs it against a fresh `hnn run` and checks that out.csv is byte-identical to the CLI's
// `hnn predict` of the run's own model: the library reproduces the tool's fit to the last bit.
using System.Globalization;
using Hnn.Api;

if (args.Length != 7)
{
    Console.Error.WriteLine("usage: Hnn.Examples <store> <run> <method: elm|u-swim|a-swim|swim> <width> <seed> <states.csv> <out.csv>");
    return 2;
}

var (store, run, methodName, statesPath, outPath) = (args[0], args[1], args[2], args[5], args[6]);
var width = int.Parse(args[3], CultureInfo.InvariantCulture);
var seed = ulong.Parse(args[4], CultureInfo.InvariantCulture);
var method = methodName switch
{
    "elm" => HnnMethod.Elm,
    "u-swim" => HnnMethod.USwim,
    "a-swim" => HnnMethod.ASwim,
    "swim" => HnnMethod.Swim,
    _ => throw new ArgumentException($"method '{methodName}': allowed elm, u-swim, a-swim, swim"),
};

// 1. The run's training data, and a fit with the settings of pipelines/quickstart.yaml (rcond 1e-13, anchor H(1, 0) = 0,
//    ELM biases in the domain's limits [-5, 5], the default solver: chunks of 1024 rows, 2 lanes).
var data = HnnData.FromRun(store, run);
var model = SampledHnn.Fit(data.X, data.Dxdt, data.H, new SampledHnnOptions
{
    Method = method,
    Width = width,
    Rcond = 1e-13,
    Seed = seed,
    Anchor = new HnnAnchor([1.0, 0.0], 0.0),
    ElmBias = (-5, 5),
});
Console.WriteLine($"fitted {model} on {data.Count} points: rank {model.Rank} of {width + 1}");

// 2. Save and load (JSON weights; .parquet and .onnx work the same way).
var file = Path.Combine(Path.GetTempPath(), $"hnn-example-{Environment.ProcessId}.json");
model.Save(file);
var loaded = HamiltonianModel.Load(file);
File.Delete(file);

// 3. H, grad H and x' at the given states, as `hnn predict` writes them.
var lines = File.ReadAllLines(statesPath);
var header = lines[0].Split(',');
var dim = 2 * loaded.Dof;
string Name(int i) => i < loaded.Dof ? $"q{i + 1}" : $"p{i - loaded.Dof + 1}";
var x = Enumerable.Range(0, dim).Select(i => lines.Skip(1).Where(l => l.Length > 0)
    .Select(l => double.Parse(l.Split(',')[Array.IndexOf(header, Name(i))], CultureInfo.InvariantCulture)).ToArray()).ToArray();
var h = loaded.H(x);
var grad = loaded.GradH(x);
var dx = loaded.TimeDerivative(x);
using (var w = new StreamWriter(outPath))
{
    var names = Enumerable.Range(0, dim).Select(Name)
        .Append("H")
        .Concat(Enumerable.Range(0, dim).Select(i => "dH_d" + Name(i)))
        .Concat(Enumerable.Range(0, dim).Select(i => "d" + Name(i)));
    w.Write(string.Join(",", names) + "\n");
    for (var k = 0; k < h.Length; k++)
    {
        var row = x.Select(c => c[k]).Append(h[k]).Concat(grad.Select(c => c[k])).Concat(dx.Select(c => c[k]));
        w.Write(string.Join(",", row.Select(v => v.ToString("R", CultureInfo.InvariantCulture))) + "\n");
    }
}

Console.WriteLine($"predicted {h.Length} state(s): {outPath}");

// 4. A rollout: 2000 Störmer–Verlet steps of 0.01 from (1.5, 0), as in the quickstart; the learned H is conserved.
double[] x0 = [1.5, .. new double[dim - 1]];
var t = loaded.Rollout(x0, 0.01, 2000, HnnIntegrator.Verlet);
var end = t.States[^1];
var h0 = loaded.H([.. x0.Select(v => new[] { v })])[0];
var hEnd = loaded.H([.. end.Select(v => new[] { v })])[0];
Console.WriteLine($"rollout: t = {t.Times[^1]:0.##}, x = ({string.Join(", ", end.Select(v => v.ToString("0.000000", CultureInfo.InvariantCulture)))}), H-hat {h0:0.000000} -> {hEnd:0.000000}");

// 5. The CLI's own model of the same experiment, for comparison.
var cli = HamiltonianModel.FromRun(store, run, methodName, width, seed);
var hCli = cli.H(x);
var maxDiff = h.Zip(hCli, (a, b) => Math.Abs(a - b)).Max();
Console.WriteLine($"largest |H_api - H_cli| over the states: {maxDiff:0.###e+00}");
return maxDiff == 0 ? 0 : 1;
