using Hnn.Api;
using Hnn.Pipeline.Execution;
using Hnn.Tests.Pipeline;
using Xunit;

namespace Hnn.Tests.Api;

/// <summary>
/// The library facade (package Hnn.Api) against the CLI: the same data and settings must give the CLI's models and
/// rollouts to the last bit, and a fitted model must survive Save/Load bit for bit.
/// </summary>
[Collection(CliCollection.Name)]
public sealed class SampledHnnTests
{
    /// <summary>CliSandbox.SmallPipeline (mass-spring on [-5, 5]^2, 600 training rows, width 100, 2 lanes, chunk 1024) with a short Verlet rollout.</summary>
    private static async Task<CliSandbox> SmallRunAsync()
    {
        var box = new CliSandbox();
        var yaml = CliSandbox.SmallPipeline + """

            rollout:
              initial: [[1.5, 0]]
              dt: 0.01
              steps: 200
              integrators: [verlet]
            """;
        var run = await box.RunAsync(box.Write("p.yaml", yaml), "run.store=" + box.StoreRoot);
        Assert.True(run.ExitCode == 0, run.ToString());
        return box;
    }

    private static long[] Bits(IEnumerable<double> v) => [.. v.Select(BitConverter.DoubleToInt64Bits)];

    [Fact]
    public async Task Fit_through_the_api_gives_the_cli_models_and_rollouts_bit_for_bit()
    {
        using var box = await SmallRunAsync();
        var data = HnnData.FromRun(box.StoreRoot, "latest");
        Assert.Equal(600, data.Count);
        Assert.Equal(1, data.Dof);

        foreach (var (method, name) in new[] { (HnnMethod.Elm, "elm"), (HnnMethod.USwim, "u-swim"), (HnnMethod.ASwim, "a-swim"), (HnnMethod.Swim, "swim") })
        {
            // The settings of CliSandbox.SmallPipeline; ELM's biases there default to the domain's limits [-5, 5].
            var options = new SampledHnnOptions
            {
                Method = method,
                Width = 100,
                Rcond = 1e-13,
                Seed = 992472,
                Anchor = new HnnAnchor([1, 0], 0),
                ElmBias = (-5, 5),
            };
            var api = SampledHnn.Fit(data.X, data.Dxdt, data.H, options);
            var cli = HamiltonianModel.FromRun(box.StoreRoot, "latest", name);
            var (a, c) = (api.Inner.Network, cli.Inner.Network);
            for (var i = 0; i < 2; i++)
            {
                Assert.Equal(Bits(c.Hidden.Weights[i]), Bits(a.Hidden.Weights[i]));
            }

            Assert.Equal(Bits(c.Hidden.Biases), Bits(a.Hidden.Biases));
            Assert.Equal(Bits(c.Coefficients), Bits(a.Coefficients));
            Assert.Equal(BitConverter.DoubleToInt64Bits(c.OutputBias), BitConverter.DoubleToInt64Bits(a.OutputBias));

            // The rank in the run's manifest, and the rollout stage's stored trajectory.
            var manifest = CliSandbox.ReadJson(Path.Combine(box.RunDirectories()[^1], "manifest.json"));
            var result = manifest.GetProperty("results").EnumerateArray().Single(r => r.GetProperty("method").GetString() == name);
            Assert.Equal(result.GetProperty("rank").GetInt32(), api.Rank);
            var key = result.GetProperty("keys").GetProperty("rollout/verlet").GetString()!;
            var stored = Codecs.ToTrajectory((await box.Store().TryReadAsync("rollout", key))!, 2);
            var rollout = api.Rollout([1.5, 0], 0.01, 200, HnnIntegrator.Verlet);
            Assert.Equal(201, rollout.Count);
            Assert.Equal(stored.Length, rollout.Count);
            for (var k = 0; k < rollout.Count; k++)
            {
                Assert.Equal(Bits(stored.State(k, 0)), Bits(rollout.States[k]));
                Assert.Equal(BitConverter.DoubleToInt64Bits(stored.Times[k]), BitConverter.DoubleToInt64Bits(rollout.Times[k]));
            }
        }
    }

    [Theory]
    [InlineData("m.json")]
    [InlineData("m.parquet")]
    public void A_fitted_model_saves_and_loads_bit_for_bit_and_fits_the_mass_spring(string file)
    {
        // Mass-spring H = p^2/2 + (q - 1)^2/2 on a 30 x 30 grid of [-2, 2]^2: x' = (p, -(q - 1)).
        var q = new double[900];
        var p = new double[900];
        for (var k = 0; k < 900; k++)
        {
            q[k] = -2 + (4.0 * (k % 30) / 29);
            p[k] = -2 + (4.0 * (k / 30) / 29);
        }

        double[][] x = [q, p];
        double[][] dx = [p, [.. q.Select(v => -(v - 1))]];
        var model = SampledHnn.Fit(x, dx, new SampledHnnOptions { Method = HnnMethod.USwim, Width = 200, Seed = 7, Anchor = new HnnAnchor([1, 0], 0) });
        using var dir = new TempDir();
        var path = Path.Combine(dir.Path, file);
        model.Save(path);
        var back = HamiltonianModel.Load(path);
        Assert.Equal(("u-swim", 200, 7UL), (back.Method, back.Width, back.Seed));
        double[][] probe = [[0.3, -1.1, 1.7], [0.9, 0.2, -1.4]];
        Assert.Equal(Bits(model.H(probe)), Bits(back.H(probe)));
        Assert.Equal(Bits(model.TimeDerivative(probe).SelectMany(v => v)), Bits(back.TimeDerivative(probe).SelectMany(v => v)));

        // The true H at the probes (closed form above); a width-200 U-SWIM fit of 900 exact points is far better than 1e-5
        // relative (the pipeline reaches ~1e-10 on this system at width 1000).
        var truth = probe[0].Select((v, k) => (probe[1][k] * probe[1][k] / 2) + ((v - 1) * (v - 1) / 2)).ToArray();
        var h = back.H(probe);
        for (var k = 0; k < 3; k++)
        {
            Assert.True(Math.Abs(h[k] - truth[k]) < 1e-5 * Math.Max(1, Math.Abs(truth[k])), $"H({probe[0][k]}, {probe[1][k]}) = {h[k]}, true {truth[k]}");
        }

        // Anchor: H(1, 0) = 0 up to rounding.
        Assert.True(Math.Abs(back.H([[1.0], [0.0]])[0]) < 1e-9);
    }

    [Fact]
    public void Bad_arguments_are_clear_errors()
    {
        double[][] x = [[0, 1, 2], [0, 1, 2]];
        var e = Assert.Throws<ArgumentException>(() => SampledHnn.Fit(x, [[0, 1]], new SampledHnnOptions()));
        Assert.Contains("dxdt has 1 column(s), x has 2", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<ArgumentException>(() => SampledHnn.Fit(x, x, new SampledHnnOptions { Method = HnnMethod.Swim }));
        Assert.Contains("SWIM samples by the values of H", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<ArgumentException>(() => SampledHnn.Fit(x, x, new SampledHnnOptions { Width = 0 }));
        Assert.Contains("Width 0", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<ArgumentException>(() => SampledHnn.Fit([[0, double.NaN], [0, 1]], [[0, 1], [0, 1]], new SampledHnnOptions()));
        Assert.Contains("x[0][1] is not a finite number", e.Message, StringComparison.Ordinal);
        using var dir = new TempDir();
        var io = Assert.Throws<InvalidDataException>(() => HamiltonianModel.Load(Path.Combine(dir.Path, "missing.json")));
        Assert.Contains("missing.json", io.Message, StringComparison.Ordinal);
        io = Assert.Throws<InvalidDataException>(() => HamiltonianModel.FromRun(dir.Path, "latest"));
        Assert.Contains("no such run", io.Message, StringComparison.Ordinal);
    }

    private sealed class TempDir : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("hnn-api-tests-").FullName;

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
