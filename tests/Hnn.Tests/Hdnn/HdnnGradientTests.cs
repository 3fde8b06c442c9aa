using Hnn.Datasets;
using Hnn.Stages.Hdnn;
using Xunit;
using Xunit.Abstractions;

namespace Hnn.Tests.Hdnn;

/// <summary>
/// The hand-derived adjoint (<see cref="HdnnBackward"/>, through <see cref="HdnnLoss"/>) against central finite
/// differences (L(p + e) - L(p - e)) / 2e with e = 1e-6 in float64, for every K and b entry of small H1 (J1, J2), H2 and
/// MS1 networks. Error budget: truncation e^2 |L'''| / 6 ~ 1e-12 (third derivatives are O(1) here: tanh and h = 0.24),
/// rounding ~ eps |L| / e ~ 2e-16 / 1e-6 ~ 2e-10; the bound, 1e-6 of the largest gradient entry (which is O(0.1..1)),
/// leaves three orders of magnitude. A wrong sign or a missing term gives errors of the size of the gradient itself.
/// </summary>
public sealed class HdnnGradientTests(ITestOutputHelper output)
{
    private const double Step = 1e-6;
    private const double Tolerance = 1e-6;

    [Theory]
    [InlineData(HdnnKind.H1J1)]
    [InlineData(HdnnKind.H1J2)]
    [InlineData(HdnnKind.H2)]
    [InlineData(HdnnKind.MS1)]
    public void Adjoint_matches_central_differences(HdnnKind kind)
    {
        const int count = 7;
        const double alpha = 0.3; // large, so that the regulariser's gradient is tested too
        var architecture = new HdnnArchitecture(kind, 4, 5, 1.2);
        var rng = new Rng(17, kind.ToString());
        var p = HdnnParameters.Random(architecture, rng);
        var x = Enumerable.Range(0, count * 4).Select(_ => rng.NextUniform(-1.5, 1.5)).ToArray();
        var labels = Enumerable.Range(0, count).Select(i => i % 2).ToArray();
        var theta = Enumerable.Range(0, 5).Select(_ => rng.NextNormal()).ToArray();

        var analytic = HdnnLoss.Evaluate(p, theta, x, labels, count, alpha);
        double Loss(HdnnParameters q) => HdnnLoss.Evaluate(q, theta, x, labels, count, alpha).Loss;

        var scale = Math.Max(analytic.GradK.Max(Math.Abs), analytic.GradB.Max(Math.Abs));
        double worst = 0;
        for (var which = 0; which < 2; which++)
        {
            var values = which == 0 ? p.K : p.B;
            var grad = which == 0 ? analytic.GradK : analytic.GradB;
            for (var i = 0; i < values.Length; i++)
            {
                var r = i % 16 / 4;
                var c = i % 4;
                if (which == 0 && !architecture.IsFree(r, c))
                {
                    Assert.Equal(0, grad[i]);
                    continue;
                }

                var plus = p.Copy();
                var minus = p.Copy();
                (which == 0 ? plus.K : plus.B)[i] += Step;
                (which == 0 ? minus.K : minus.B)[i] -= Step;
                var central = (Loss(plus) - Loss(minus)) / (2 * Step);
                worst = Math.Max(worst, Math.Abs(central - grad[i]) / scale);
            }
        }

        output.WriteLine($"{kind}: max |fd - adjoint| / max |grad| = {worst:E2} (max |grad| = {scale:G3})");
        Assert.True(worst < Tolerance, $"{kind}: relative error {worst:E2}");
    }

    [Theory]
    [InlineData(HdnnKind.H1J1)]
    [InlineData(HdnnKind.H2)]
    [InlineData(HdnnKind.MS1)]
    public void Input_cotangent_matches_central_differences(HdnnKind kind)
    {
        // d y_N[k] / d y_0[c] for one row, from the adjoint's lambda_0 with lambda_N = e_k; same budget as above.
        var architecture = new HdnnArchitecture(kind, 4, 6, 1.2);
        var rng = new Rng(5, kind.ToString());
        var p = HdnnParameters.Random(architecture, rng);
        var x = Enumerable.Range(0, 4).Select(_ => rng.NextUniform(-1, 1)).ToArray();
        var states = HdnnForward.States(p, x, 1);
        for (var k = 0; k < 4; k++)
        {
            var lambda = new double[4];
            lambda[k] = 1;
            HdnnBackward.Run(p, states, 1, lambda, null, null);
            for (var c = 0; c < 4; c++)
            {
                var plus = (double[])x.Clone();
                var minus = (double[])x.Clone();
                plus[c] += Step;
                minus[c] -= Step;
                var central = (HdnnForward.Output(p, plus, 1)[k] - HdnnForward.Output(p, minus, 1)[k]) / (2 * Step);
                Assert.True(Math.Abs(central - lambda[c]) < Tolerance * Math.Max(1, Math.Abs(central)), $"{kind} ({k}, {c}): {central} vs {lambda[c]}");
            }
        }
    }

    [Fact]
    public void Interconnection_matrices_are_the_references()
    {
        // J1 = [[0, -I], [I, 0]]: what DecodEPFL/HamiltonianNet's H1 builds with torch.cat((torch.cat((0, I), 0),
        // torch.cat((-I, 0), 0)), 1) (block columns (0; I) and (-I; 0)); its comment's [[0, I], [-I, 0]] is the negative.
        // J2 has +1 above the diagonal and -1 below (the same file's select_j = 'J2' loop).
        var j1 = new HdnnArchitecture(HdnnKind.H1J1, 4, 1, 1).InterconnectionMatrix();
        Assert.Equal([0, 0, -1, 0, 0, 0, 0, -1, 1, 0, 0, 0, 0, 1, 0, 0], j1);
        var j2 = new HdnnArchitecture(HdnnKind.H1J2, 4, 1, 1).InterconnectionMatrix();
        Assert.Equal([0, 1, 1, 1, -1, 0, 1, 1, -1, -1, 0, 1, -1, -1, -1, 0], j2);
    }
}
