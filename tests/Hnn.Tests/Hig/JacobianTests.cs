using Hnn.Datasets;
using Hnn.Stages.Hig;
using Xunit;

namespace Hnn.Tests.Hig;

/// <summary>
/// The hand-derived Jacobians of the HIG control study against central finite differences. A central difference with
/// step h has error h^2 |f'''| / 6 (truncation) plus about eps |f| / h (rounding); with h = 1e-5 and |f|, |f'''| of
/// order 1-10 that is ~1e-9, so 1e-7 (relative to max(1, |J|)) separates a correct Jacobian from any wrong entry. The
/// linear chain is affine in u, so there only rounding remains and the bound is 1e-8.
/// </summary>
public sealed class JacobianTests
{
    private const double H = 1e-5;

    [Theory]
    [InlineData(0.0, 1e-8)]
    [InlineData(0.05, 1e-7)]
    public void Physics_jacobian_matches_central_differences(double alpha, double tolerance)
    {
        var chain = new OscillatorChain(Alpha: alpha);
        var rng = new Rng(16, "physics-jacobian");
        var x0 = Draw(rng, chain.StateSize, 0, 1);
        var u = Draw(rng, chain.Steps, -0.5, 0.5);
        var jacobian = new double[chain.StateSize * chain.Steps];
        var end = chain.SimulateWithJacobian(x0, u, jacobian);
        Assert.Equal(chain.Simulate(x0, u), end);

        var worst = 0.0;
        for (var t = 0; t < chain.Steps; t++)
        {
            var plus = (double[])u.Clone();
            var minus = (double[])u.Clone();
            plus[t] += H;
            minus[t] -= H;
            var fp = chain.Simulate(x0, plus);
            var fm = chain.Simulate(x0, minus);
            for (var i = 0; i < chain.StateSize; i++)
            {
                var fd = (fp[i] - fm[i]) / (2 * H);
                var exact = jacobian[(t * chain.StateSize) + i];
                worst = Math.Max(worst, Math.Abs(fd - exact) / Math.Max(1, Math.Abs(exact)));
            }
        }

        Assert.True(worst < tolerance, $"max relative |dP/du - FD| = {worst:E2} (alpha {alpha})");
    }

    [Fact]
    public void State_jacobian_of_the_nonlinear_field_matches_central_differences()
    {
        var chain = new OscillatorChain(Oscillators: 3, Alpha: 0.3);
        var s = Draw(new Rng(2), chain.StateSize, -1, 1);
        var d = chain.StateSize;
        var j = new double[d * d];
        chain.StateJacobian(s, j);
        var fp = new double[d];
        var fm = new double[d];
        for (var c = 0; c < d; c++)
        {
            var sp = (double[])s.Clone();
            var sm = (double[])s.Clone();
            sp[c] += H;
            sm[c] -= H;
            chain.Derivative(sp, 0.3, fp);
            chain.Derivative(sm, 0.3, fm);
            for (var i = 0; i < d; i++)
                Assert.True(Math.Abs(((fp[i] - fm[i]) / (2 * H)) - j[(c * d) + i]) < 1e-7, $"df_{i}/ds_{c}");
        }
    }

    [Fact]
    public void One_linear_step_is_the_fourth_order_taylor_polynomial()
    {
        // For s' = M s (u = 0, alpha = 0) one RK4 step is exactly (I + hM + (hM)^2/2 + (hM)^3/6 + (hM)^4/24) s.
        var chain = new OscillatorChain(Steps: 1);
        var d = chain.StateSize;
        var m = new double[d * d];
        chain.StateJacobian(new double[d], m);
        var s = Draw(new Rng(3), d, 0, 1);
        var term = (double[])s.Clone();
        var expected = (double[])s.Clone();
        for (var k = 1; k <= 4; k++)
        {
            var next = new double[d];
            for (var c = 0; c < d; c++)
                for (var i = 0; i < d; i++)
                    next[i] += m[(c * d) + i] * term[c] * chain.Dt / k;
            term = next;
            for (var i = 0; i < d; i++)
                expected[i] += term[i];
        }

        var actual = chain.Simulate(s, [0.0]);
        for (var i = 0; i < d; i++)
            Assert.Equal(expected[i], actual[i], 1e-14);
    }

    [Fact]
    public void Network_parameter_jacobian_matches_central_differences_for_every_output()
    {
        var chain = new OscillatorChain();
        var net = ControlNetwork.ForChain(chain);
        Assert.Equal((4 * 20) + 20 + (2 * ((20 * 20) + 20)) + (20 * 24) + 24, net.ParameterCount);
        var theta = net.Initialise(new Rng(5, "net"));
        // Non-zero biases so that their columns are exercised away from the symmetric point.
        var rng = new Rng(6);
        for (var i = 0; i < theta.Length; i++)
            theta[i] += rng.NextUniform(-0.1, 0.1);
        var input = Draw(rng, net.Inputs, 0, 1);
        var jacobian = new double[net.Outputs * net.ParameterCount];
        var outputs = net.Jacobian(theta, input, jacobian);
        Assert.Equal(net.Forward(theta, input), outputs);

        var worst = 0.0;
        for (var p = 0; p < net.ParameterCount; p++)
        {
            var plus = (double[])theta.Clone();
            var minus = (double[])theta.Clone();
            plus[p] += H;
            minus[p] -= H;
            var fp = net.Forward(plus, input);
            var fm = net.Forward(minus, input);
            for (var o = 0; o < net.Outputs; o++)
            {
                var exact = jacobian[(o * net.ParameterCount) + p];
                worst = Math.Max(worst, Math.Abs(((fp[o] - fm[o]) / (2 * H)) - exact) / Math.Max(1, Math.Abs(exact)));
            }
        }

        Assert.True(worst < 1e-7, $"max relative |df/dtheta - FD| = {worst:E2}");

        // The vector-Jacobian product used by the gradient optimisers is g^T J.
        var seed = Draw(rng, net.Outputs, -1, 1);
        var vjp = new double[net.ParameterCount];
        net.AddVectorJacobian(theta, input, seed, vjp);
        for (var p = 0; p < net.ParameterCount; p++)
        {
            var expected = 0.0;
            for (var o = 0; o < net.Outputs; o++)
                expected += seed[o] * jacobian[(o * net.ParameterCount) + p];
            Assert.Equal(expected, vjp[p], 1e-12);
        }
    }

    internal static double[] Draw(Rng rng, int n, double lower, double upper)
    {
        var x = new double[n];
        for (var i = 0; i < n; i++)
            x[i] = rng.NextUniform(lower, upper);
        return x;
    }
}
