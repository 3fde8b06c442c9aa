using System.Globalization;
using System.Text.Json;
using Hnn.Stages.Model;
using Hnn.Stages.Training;

namespace Hnn.Tests.Reference;

/// <summary>
/// Loads a case of TestData/&lt;case&gt;/ — exact vectors from the paper's own code (numpy, OpenBLAS, seed 0 of the
/// paper's scheme), copied from shared/reference (see TestData/SOURCE.md for their provenance).
/// </summary>
internal sealed class ReferenceCase
{
    private ReferenceCase(string dir)
    {
        Dir = dir;
        Meta = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "meta.json"))).RootElement;
        Dof = Meta.GetProperty("dof").GetInt32();
        var train = ReadCsv(Path.Combine(dir, "train.csv"));
        TrainX = Columns(train, [.. Names("q"), .. Names("p")]);
        TrainDx = Columns(train, [.. Names("dq"), .. Names("dp")]);
        TrainH = train["H"];
        var test = ReadCsv(Path.Combine(dir, "test.csv"));
        TestX = Columns(test, [.. Names("q"), .. Names("p")]);
        TestH = test["H"];
        X0 = Meta.GetProperty("x0").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        H0 = Meta.GetProperty("H0").GetDouble();
        Rcond = Meta.GetProperty("rcond").GetDouble();
    }

    public string Dir { get; }

    public JsonElement Meta { get; }

    public int Dof { get; }

    public double[][] TrainX { get; }

    public double[][] TrainDx { get; }

    public double[] TrainH { get; }

    public double[][] TestX { get; }

    public double[] TestH { get; }

    public double[] X0 { get; }

    public double H0 { get; }

    public double Rcond { get; }

    public Anchor Anchor => new(X0, H0);

    public static ReferenceCase Load(string name) => new(Path.Combine(AppContext.BaseDirectory, "TestData", name));

    /// <summary>The reference network of a method: sampled w, b and the reference's c, c0.</summary>
    public Network Network(string method)
    {
        var t = ReadCsv(Path.Combine(Dir, $"{method}-network.csv"));
        var w = Columns(t, [.. Names("w_q"), .. Names("w_p")]);
        var c0 = Meta.GetProperty("methods").GetProperty(method).GetProperty("output_bias").GetDouble();
        return new Network(new HiddenLayer(w, t["b"]), t["c"], c0);
    }

    public double ReferenceTestError(string method) =>
        Meta.GetProperty("methods").GetProperty(method).GetProperty("test_rel_l2_H").GetDouble();

    public double TestError(Network n)
    {
        var h = n.Energy(TestX);
        double e = 0, r = 0;
        for (var k = 0; k < h.Length; k++)
        {
            e += (h[k] - TestH[k]) * (h[k] - TestH[k]);
            r += TestH[k] * TestH[k];
        }

        return Math.Sqrt(e / r);
    }

    private string[] Names(string prefix) => [.. Enumerable.Range(1, Dof).Select(i => $"{prefix}{i}")];

    private static double[][] Columns(Dictionary<string, double[]> t, string[] names) => [.. names.Select(n => t[n])];

    private static Dictionary<string, double[]> ReadCsv(string path)
    {
        var lines = File.ReadAllLines(path);
        var header = lines[0].Split(',');
        var cols = header.Select(_ => new double[lines.Length - 1]).ToArray();
        for (var k = 1; k < lines.Length; k++)
        {
            var parts = lines[k].Split(',');
            for (var i = 0; i < header.Length; i++)
            {
                cols[i][k - 1] = double.Parse(parts[i], CultureInfo.InvariantCulture);
            }
        }

        return header.Select((h, i) => (h, i)).ToDictionary(p => p.h, p => cols[p.i]);
    }
}
