using Hnn.Datasets;
using Hnn.Stages.Hdnn;
using Xunit;
using Xunit.Abstractions;

namespace Hnn.Tests.Hdnn;

/// <summary>
/// The backward sensitivity matrices and the counterexample. Exact structural facts are tested, not magnitudes:
/// H2's layer map is a composition of two symplectic shears, so Phi = dy_N/dy_j satisfies Phi^T J1 Phi = J1
/// (Galimberti et al., the main theorem; hence ||Phi||_2 &gt;= 1, no vanishing); the counterexample's component-wise
/// Euler steps are shears with determinant 1, so det Phi = 1. Rounding over 64 (or 400) 2 x 2 / 4 x 4 products with
/// O(1..10) entries stays below 1e-10.
/// </summary>
public sealed class HdnnAnalysisTests(ITestOutputHelper output)
{
    [Fact]
    public void H2_sensitivity_matrices_are_symplectic_and_do_not_vanish()
    {
        var architecture = new HdnnArchitecture(HdnnKind.H2, 4, 64, 1.2);
        var rng = new Rng(8);
        var p = HdnnParameters.Random(architecture, rng);
        var x = Enumerable.Range(0, 3 * 4).Select(_ => rng.NextUniform(-1, 1)).ToArray();
        var phi = BackwardSensitivity.Matrices(p, x, 3);
        var j1 = architecture.InterconnectionMatrix();
        foreach (var layer in phi)
        {
            foreach (var m in layer)
            {
                for (var r = 0; r < 4; r++)
                {
                    for (var c = 0; c < 4; c++)
                    {
                        double s = 0;
                        for (var a = 0; a < 4; a++)
                        {
                            for (var b = 0; b < 4; b++)
                            {
                                s += m[(a * 4) + r] * j1[(a * 4) + b] * m[(b * 4) + c];
                            }
                        }

                        Assert.True(Math.Abs(s - j1[(r * 4) + c]) < 1e-10, $"Phi^T J Phi differs from J at ({r}, {c}): {s}");
                    }
                }

                Assert.True(BackwardSensitivity.SpectralNorm(m, 4) >= 1 - 1e-10);
            }
        }
    }

    [Fact]
    public void Spectral_norm_of_known_matrices()
    {
        // diag(3, -2) has norm 3; [[1, 1], [0, 1]] has norm (1 + sqrt 5) / 2 (the golden ratio).
        Assert.Equal(3, BackwardSensitivity.SpectralNorm([3, 0, 0, -2], 2), 12);
        Assert.Equal((1 + Math.Sqrt(5)) / 2, BackwardSensitivity.SpectralNorm([1, 1, 0, 1], 2), 12);
    }

    [Fact]
    public void Counterexample_sensitivity_is_area_preserving_matches_differences_and_grows()
    {
        // The reference's gif setting: h = 0.05, T = 20, eps = 1, y0 = (0.33627683, -0.48627683) normalised.
        var norm = Math.Sqrt((0.33627683 * 0.33627683) + (0.48627683 * 0.48627683));
        var points = Counterexample.Sensitivities(1, 0.05, 20, 0.33627683 / norm, -0.48627683 / norm);
        Assert.Equal(401, points.Count);
        Assert.Equal([1, 0, 0, 1], points[^1].Phi);
        foreach (var pt in points)
        {
            var det = (pt.Phi[0] * pt.Phi[3]) - (pt.Phi[1] * pt.Phi[2]);
            Assert.True(Math.Abs(det - 1) < 1e-10, $"det Phi(T, {pt.Time}) = {det}");
        }

        // Phi(T, 0) column 0 against a central difference of the whole flow (e = 1e-6; error ~ e^2 |y'''| ~ 1e-9 per
        // unit of Phi, times the O(10) growth).
        const double e = 1e-6;
        var y0 = (a: 0.33627683 / norm, b: -0.48627683 / norm);
        var fd = (Flow(y0.a + e, y0.b) - Flow(y0.a - e, y0.b)) / (2 * e);
        Assert.Equal(points[0].Phi[0], fd, 1e-5 * Math.Max(1, Math.Abs(fd)));

        // Entries grow with depth (the paper's point): ||Phi(T, 0)|| well above ||Phi(T, T - 1)||.
        output.WriteLine(string.Join("; ", points.Where((_, i) => i % 40 == 0).Select(p => $"t0 = {p.Time:F0}: Phi11 = {p.Phi[0]:F3}, Phi22 = {p.Phi[3]:F3}, ||Phi|| = {p.Norm:F3}")));
        Assert.True(points[0].Norm > 2 * points[^21].Norm);
    }

    private static double Flow(double a, double b)
    {
        for (var j = 0; j < 400; j++)
        {
            a -= 0.05 * Math.Tanh(b);
            b += 0.05 * Math.Tanh(a);
        }

        return a;
    }
}
