using Hnn.Datasets;
using Hnn.Pipeline.Planning;
using Hnn.Stages.Model;
using Hnn.Stages.Numerics;
using Hnn.Stages.Sampling;
using Hnn.Stages.Training;
using Xunit;
using Xunit.Abstractions;

namespace Hnn.Tests.Stages;

/// <summary>
/// The separable hidden layer (model.separable, docs/ALGORITHM.md §2.1b): the first ceil(N / 2) neurons have zero weights
/// on p, the rest zero weights on q, for every sampler of the registry; the SWIM family's pairs go through the neurons'
/// subspaces (tanh = -1/2 at x_from's part, s ln 3 - ln(3) / 2 at x_to's); pairs without a difference on a subspace are not
/// used; so the fitted network is exactly V(q) + T(p): its mixed second derivatives vanish. And why it exists, measured:
/// Kepler on exact derivatives, where the full layer's error is 8e-2.
/// </summary>
public sealed class SeparableLayerTests(ITestOutputHelper output)
{
    private static DataSet KeplerData(int count, ulong seed) =>
        DataGenerator.Evaluate(new Kepler(1.0, 2), LearnedSystemStudy.KeplerStates(count, 0.5, new Rng(seed)));

    private static void AssertSeparable(HiddenLayer h)
    {
        var nq = SeparableLayer.QNeurons(h.Width);
        var dof = h.InputDim / 2;
        for (var j = 0; j < h.Width; j++)
        {
            for (var i = 0; i < h.InputDim; i++)
            {
                var onQ = i < dof;
                if (onQ == j < nq)
                {
                    Assert.NotEqual(0.0, h.Weights[i][j]);
                }
                else
                {
                    Assert.Equal(0.0, h.Weights[i][j]);
                }
            }
        }
    }

    [Theory]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(1)]
    public void Every_registered_sampler_puts_ceil_half_the_neurons_on_q_and_the_rest_on_p(int width)
    {
        var data = KeplerData(40, 11);
        var layer = new SeparableLayer(0.5, 2);
        foreach (var method in Method.Sampled)
        {
            var h = method.Draw(data, width, 5, (-1.5, 1.5), separable: layer);
            Assert.Equal(width, h.Width);
            AssertSeparable(h);
            if (method.Redraws)
            {
                AssertSeparable(method.Redraw(data, data.H, width, 5, separable: layer));
            }
        }

        // ELM: w = s N(0, 1) on the subspace; the biases are the full ELM's draws' distribution, in the range.
        var elm = SeparableSampler.Elm(4, width, -1.5, 1.5, 3, layer);
        Assert.All(elm.Biases, b => Assert.InRange(b, -1.5, 1.5));
    }

    [Theory]
    [InlineData(1.0, 1.0)]
    [InlineData(0.3, 0.01)]
    public void Swim_pairs_go_through_the_neurons_subspace(double qScale, double pScale)
    {
        var data = KeplerData(60, 12);
        var pairs = CandidatePairs.Draw(60, 21, 13);
        var (q, p) = SeparableSampler.Select(pairs, data.X, data.H, 21, 14);
        Assert.Equal(11, q.Length);
        Assert.Equal(10, p.Length);
        Assert.Equal(q.Length, q.Distinct().Count());
        Assert.Equal(p.Length, p.Distinct().Count());
        var h = SeparableSampler.Weights(pairs, q, p, data.X, new SeparableLayer(qScale, pScale));
        var ln3 = Math.Log(3);
        for (var j = 0; j < 21; j++)
        {
            var k = j < 11 ? q[j] : p[j - 11];
            var s = j < 11 ? qScale : pScale;
            // The weights are zero off the subspace, so the full pre-activation is the subspace one: -ln(3)/2 at x_from
            // and s ln 3 - ln(3)/2 at x_to by construction (|x| <= 2: rounding far below 1e-12).
            Assert.Equal(-ln3 / 2, h.PreActivation(j, StageTestSupport.Point(data.X, pairs.From[k])), 1e-12);
            Assert.Equal((s * ln3) - (ln3 / 2), h.PreActivation(j, StageTestSupport.Point(data.X, pairs.To[k])), 1e-12);
        }
    }

    [Fact]
    public void Pairs_with_no_difference_on_a_subspace_are_not_used_and_too_few_are_refused()
    {
        // 30 points; p = (0.5, 0.5) at all but points 0..5, so only pairs touching one of those differ in p.
        var x = StageTestSupport.UniformPoints(4, 30, -1, 1, 15);
        for (var k = 6; k < 30; k++)
        {
            x[2][k] = 0.5;
            x[3][k] = 0.5;
        }

        var pairs = CandidatePairs.Draw(30, 10, 16);
        var (_, p) = SeparableSampler.Select(pairs, x, null, 10, 17);
        Assert.All(p, k => Assert.True(pairs.From[k] < 6 || pairs.To[k] < 6, $"pair {k} ({pairs.From[k]}, {pairs.To[k]}) has dp = 0"));

        // With p the same everywhere no pair differs in p: a clear error, not a layer of huge weights.
        for (var k = 0; k < 6; k++)
        {
            x[2][k] = 0.5;
            x[3][k] = 0.5;
        }

        var e = Assert.Throws<InvalidOperationException>(() => SwimStages.SampleSeparable(x, null, 10, 18, new SeparableLayer()));
        Assert.Contains("only 0 of 30 candidate pairs differ in p", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("elm")]
    [InlineData("a-swim")]
    public void The_fitted_separable_network_is_exactly_V_of_q_plus_T_of_p(string method)
    {
        var data = KeplerData(400, 19);
        var m = (SampledMethod)Method.Find(method)!;
        var layer = new SeparableLayer(2, 0.01);
        var anchor = new Anchor([1, 0, 0, 1], -0.5);
        var la = new ManagedLinearAlgebra();
        FitResult Fit(HiddenLayer h) => OutputLayer.Fit(la, h, data.X, data.Dx, anchor, 1e-13, SolveMode.Structured);
        var fit = Fit(m.Draw(data, 60, 20, (-1.5, 1.5), separable: layer));
        if (m.Redraws)
        {
            fit = Fit(m.Redraw(data, fit.Network.Energy(data.X), 60, 20, separable: layer));
        }

        // dH/dq at (q, p) and (q, p'), dH/dp at (q, p) and (q', p): a mixed second derivative d2H/dq dp would make them
        // differ. H(q1, p1) + H(q2, p2) - H(q1, p2) - H(q2, p1) = 0 is the separability of H itself (rounding ~1e-15 |H|).
        double[][] x = [[0.9, 0.9, -0.7, -0.7], [0.2, 0.2, 1.1, 1.1], [0.3, -0.8, 0.3, -0.8], [0.8, 0.1, 0.8, 0.1]];
        var h = new double[4];
        var g = new double[][] { new double[4], new double[4], new double[4], new double[4] };
        fit.Network.Predict(x, 0, 4, h, g);
        for (var i = 0; i < 2; i++)
        {
            Assert.Equal(g[i][0], g[i][1], 1e-13);
            Assert.Equal(g[i][2], g[i][3], 1e-13);
            Assert.Equal(g[2 + i][0], g[2 + i][2], 1e-13);
            Assert.Equal(g[2 + i][1], g[2 + i][3], 1e-13);
        }

        // Each H is a sum of c_j tanh(z_j): its rounding is a few eps sum |c_j| (the ELM fit's coefficients are large).
        var rounding = (64 * 1.1e-16 * (fit.Network.Coefficients.Sum(Math.Abs) + Math.Abs(fit.Network.OutputBias)));
        output.WriteLine($"{method}: H(q1, p1) + H(q2, p2) - H(q1, p2) - H(q2, p1) = {h[0] + h[3] - h[1] - h[2]:E2}, rounding bound {rounding:E2}");
        Assert.Equal(0, h[0] + h[3] - h[1] - h[2], rounding);
    }

    /// <summary>
    /// Kepler (H = |p|^2 / 2 - 1 / |q|) on exact derivatives at 1500 states of the study's orbits, A-SWIM width 300, data
    /// seed 3943, model seed 992472: measured with `hnn learned-systems --scale-sweep 'kepler;a-swim;300;1,2/0.01;1500'`
    /// (LAPACK backend under the Haswell and Prescott kernels, and managed: the same 3 digits) test rel. L2 error of H 1.20e-2 (rank 189)
    /// separable with scales q 2, p 0.01 against 1.41e-1 (rank 301) for the full layer at s = 1; bounds with margin 2.5x.
    /// </summary>
    [Fact]
    public void A_small_kepler_fit_on_exact_derivatives_is_an_order_of_magnitude_better_separable()
    {
        var la = new ManagedLinearAlgebra();
        var separable = WeightScaleSweep.Run(la, "kepler", 1500, "a-swim", 300, 1, false, separable: new SeparableLayer(2, 0.01));
        var full = WeightScaleSweep.Run(la, "kepler", 1500, "a-swim", 300, 1, false);
        output.WriteLine($"separable {separable.TestH:E3} (rank {separable.Rank}), full {full.TestH:E3} (rank {full.Rank})");
        Assert.InRange(separable.TestH, 0, 3e-2);
        Assert.InRange(full.TestH, 5.6e-2, 1);
    }
}
