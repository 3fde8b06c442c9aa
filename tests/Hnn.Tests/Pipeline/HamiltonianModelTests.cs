using Hnn.Pipeline.Config;
using Hnn.Pipeline.Models;
using Hnn.Stages.Model;
using Xunit;

namespace Hnn.Tests.Pipeline;

/// <summary>The model API and its weight files, on a random network built in code (no run needed).</summary>
public sealed class HamiltonianModelTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("hnn-model-tests-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>A 2-dof network of width 7 with full-precision random weights (values with 17 significant digits).</summary>
    internal static HamiltonianModel RandomModel(int dof = 2, int width = 7, int seed = 5)
    {
        var rng = new Random(seed);
        double R() => (rng.NextDouble() * 2) - 1;
        var weights = Enumerable.Range(0, 2 * dof).Select(_ => Enumerable.Range(0, width).Select(_ => R()).ToArray()).ToArray();
        var network = new Network(new HiddenLayer(weights, [.. Enumerable.Range(0, width).Select(_ => R())]), [.. Enumerable.Range(0, width).Select(_ => R())], R() / 3);
        var info = new ModelInfo(dof, "swim", width, 3, 4, "coupled-oscillators", new Dictionary<string, double> { ["k"] = 0.1 },
            [.. Enumerable.Range(0, dof).Select(_ => new[] { -1.0, 1.0 / 3 })], [.. Enumerable.Range(0, dof).Select(_ => new[] { -2.0, 2.0 })],
            new double[2 * dof], 0.25, "run-x", "fit/abc");
        return new HamiltonianModel(network, info);
    }

    internal static double[][] Points(int dim, int count, int seed) =>
        [.. Enumerable.Range(0, dim).Select(i => Enumerable.Range(0, count).Select(k => Math.Sin((seed * 7.1) + (i * 3.3) + (k * 0.77)) * 1.7).ToArray())];

    [Theory]
    [InlineData("m.json")]
    [InlineData("m.parquet")]
    public void Save_then_Load_gives_the_same_weights_and_info_bit_for_bit(string name)
    {
        var model = RandomModel();
        var path = Path.Combine(_dir, name);
        model.Save(path);
        var back = HamiltonianModel.Load(path);

        static long[] Bits(IEnumerable<double> v) => [.. v.Select(BitConverter.DoubleToInt64Bits)];
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(Bits(model.Network.Hidden.Weights[i]), Bits(back.Network.Hidden.Weights[i]));
        }

        Assert.Equal(Bits(model.Network.Hidden.Biases), Bits(back.Network.Hidden.Biases));
        Assert.Equal(Bits(model.Network.Coefficients), Bits(back.Network.Coefficients));
        Assert.Equal(BitConverter.DoubleToInt64Bits(model.Network.OutputBias), BitConverter.DoubleToInt64Bits(back.Network.OutputBias));
        var (a, b) = (model.Info, back.Info);
        Assert.Equal((a.Dof, a.Method, a.Width, a.DataSeed, a.ModelSeed, a.System, a.AnchorH0, a.RunId, a.Artifact),
            (b.Dof, b.Method, b.Width, b.DataSeed, b.ModelSeed, b.System, b.AnchorH0, b.RunId, b.Artifact));
        Assert.Equal(a.SystemParams, b.SystemParams);
        Assert.Equal(a.DomainQ!.SelectMany(v => v), b.DomainQ!.SelectMany(v => v));
        Assert.Equal(a.DomainP!.SelectMany(v => v), b.DomainP!.SelectMany(v => v));
        Assert.Equal(a.AnchorX0, b.AnchorX0);
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp-*"));
    }

    [Fact]
    public void TimeDerivative_is_J_gradH_and_gradH_matches_central_differences_of_H()
    {
        var model = RandomModel();
        var x = Points(4, 20, 1);
        var p = model.Evaluate(x);
        Assert.Equal(p.H, model.H(x)); // H alone takes the same code path (Network.Predict)
        for (var k = 0; k < 20; k++)
        {
            for (var i = 0; i < 2; i++)
            {
                Assert.Equal(p.GradH[2 + i][k], p.Dx[i][k]);   // dq = dH/dp, exactly
                Assert.Equal(-p.GradH[i][k], p.Dx[2 + i][k]);  // dp = -dH/dq, exactly
            }
        }

        // Expected: central differences of H with step 1e-5 (truncation ~1e-10 for these O(1) weights, rounding ~1e-11).
        const double Step = 1e-5;
        for (var i = 0; i < 4; i++)
        {
            var plus = x.Select(c => (double[])c.Clone()).ToArray();
            var minus = x.Select(c => (double[])c.Clone()).ToArray();
            for (var k = 0; k < 20; k++)
            {
                plus[i][k] += Step;
                minus[i][k] -= Step;
            }

            var (hp, hm) = (model.H(plus), model.H(minus));
            for (var k = 0; k < 20; k++)
            {
                Assert.Equal((hp[k] - hm[k]) / (2 * Step), p.GradH[i][k], 1e-8);
            }
        }
    }

    [Fact]
    public void A_model_file_without_c0_or_with_a_wrong_length_is_rejected_naming_the_file_and_field()
    {
        var path = Path.Combine(_dir, "m.json");
        RandomModel().Save(path);
        var text = File.ReadAllText(path);
        File.WriteAllText(path, text.Replace("\"c0\"", "\"c00\"", StringComparison.Ordinal));
        var e = Assert.Throws<InputException>(() => HamiltonianModel.Load(path));
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains("'c0'", e.Message, StringComparison.Ordinal);

        File.WriteAllText(path, text.Replace("\"width\": 7", "\"width\": 8", StringComparison.Ordinal));
        e = Assert.Throws<InputException>(() => HamiltonianModel.Load(path));
        Assert.Contains("'width' = 8", e.Message, StringComparison.Ordinal);
    }
}
