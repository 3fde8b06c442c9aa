using Hnn.Stages.Evaluation;
using Hnn.Stages.Model;
using Xunit;

namespace Hnn.Tests.Stages;

public sealed class EvaluatorTests
{
    // A one-neuron network on 1 dof: H(q, p) = c tanh(w_q q + w_p p + b) + c0.
    private const double Wq = 0.7, Wp = -1.3, B = 0.2, C = 2.5, C0 = -0.4;

    private static Network OneNeuron() => new(new HiddenLayer([[Wq], [Wp]], [B]), [C], C0);

    /// <summary>
    /// Hand-computed data for <see cref="OneNeuron"/> at the given points: H = c tanh z + c0 and, with
    /// dH/dq = c sech^2(z) w_q, dH/dp = c sech^2(z) w_p, Hamilton's equations dq/dt = dH/dp, dp/dt = -dH/dq.
    /// sech^2 via 1/cosh^2, independently of the network's 1 - tanh^2.
    /// </summary>
    private static (double[][] X, double[][] Dx, double[] H) ExactData(double[] q, double[] p)
    {
        var n = q.Length;
        var h = new double[n];
        var dq = new double[n];
        var dp = new double[n];
        for (var k = 0; k < n; k++)
        {
            var z = (Wq * q[k]) + (Wp * p[k]) + B;
            var sech2 = 1 / (Math.Cosh(z) * Math.Cosh(z));
            h[k] = (C * Math.Tanh(z)) + C0;
            dq[k] = C * sech2 * Wp;
            dp[k] = -C * sech2 * Wq;
        }

        return ([q, p], [dq, dp], h);
    }

    private static readonly double[] Q = [-2.0, -0.5, 0.0, 0.3, 1.1, 2.7, -1.9];
    private static readonly double[] P = [0.4, -1.0, 0.0, 2.2, -0.3, 0.9, 1.5];

    [Fact]
    public void Zero_error_when_the_network_is_the_data_Hamiltonian()
    {
        var (x, dx, h) = ExactData(Q, P);
        var sums = Evaluator.Sums(OneNeuron(), x, dx, h, 0, Q.Length);
        Assert.Equal(Q.Length, sums.Count);

        // Only rounding remains: squared errors ~ (1e-16)^2 per point.
        Assert.InRange(sums.HErr, 0, 1e-28);
        Assert.InRange(sums.GradErr, 0, 1e-28);
        Assert.InRange(sums.DxErr, 0, 1e-28);
        var metrics = sums.ToMetrics();
        Assert.InRange(metrics.H, 0, 1e-14);
        Assert.InRange(metrics.GradH, 0, 1e-14);
        Assert.InRange(metrics.Dx, 0, 1e-14);

        // References by hand: sum H^2; sum of |grad H|^2 = sum (dp^2 + dq^2) = sum |x'|^2.
        Assert.Equal(h.Sum(v => v * v), sums.HRef, 1e-12);
        var dx2 = Enumerable.Range(0, Q.Length).Sum(k => (dx[0][k] * dx[0][k]) + (dx[1][k] * dx[1][k]));
        Assert.Equal(dx2, sums.GradRef, 1e-12);
        Assert.Equal(dx2, sums.DxRef, 1e-12);
    }

    [Fact]
    public void Known_perturbations_give_the_hand_computed_sums()
    {
        var (x, dx, h) = ExactData(Q, P);
        var (_, dxTrue, hTrue) = ExactData(Q, P);

        // Perturb H at point 1 by +0.01 and point 4 by -0.02: sum (H - H_hat)^2 = 1e-4 + 4e-4 = 5e-4.
        h[1] += 0.01;
        h[4] -= 0.02;

        // Perturb dq at point 2 by 0.1 and dp at point 5 by -0.05. The observed x' differs from J grad H_hat by
        // exactly these, so DxErr = 0.01 + 0.0025; the true grad H implied by x' (dH/dp = dq/dt, dH/dq = -dp/dt)
        // differs from grad H_hat by the same amounts, so GradErr = 0.0125 too.
        dx[0][2] += 0.1;
        dx[1][5] -= 0.05;

        var sums = Evaluator.Sums(OneNeuron(), x, dx, h, 0, Q.Length);
        Assert.Equal(5e-4, sums.HErr, 1e-15);
        Assert.Equal(0.0125, sums.DxErr, 1e-14);
        Assert.Equal(0.0125, sums.GradErr, 1e-14);
        Assert.Equal(h.Sum(v => v * v), sums.HRef, 1e-12);

        // docs/ALGORITHM.md §4: relative L2 error sqrt(sum (H - H_hat)^2) / sqrt(sum H^2).
        var metrics = sums.ToMetrics();
        Assert.Equal(Math.Sqrt(5e-4) / Math.Sqrt(h.Sum(v => v * v)), metrics.H, 1e-14);
        Assert.Equal(Math.Sqrt(0.0125 / sums.DxRef), metrics.Dx, 1e-14);
        Assert.NotEqual(hTrue[1], h[1]);
        Assert.NotEqual(dxTrue[0][2], dx[0][2]);
    }

    [Fact]
    public void Sign_errors_in_the_vector_field_are_detected()
    {
        // Swapping the sign convention of Hamilton's equations (x' = -J grad H) must give a large error: the observed
        // x' is then the negative of the prediction, so the relative x' error is exactly 2.
        var (x, dx, h) = ExactData(Q, P);
        var flipped = dx.Select(c => c.Select(v => -v).ToArray()).ToArray();
        var metrics = Evaluator.Sums(OneNeuron(), x, flipped, h, 0, Q.Length).ToMetrics();
        Assert.Equal(2.0, metrics.Dx, 1e-12);
        Assert.Equal(2.0, metrics.GradH, 1e-12);
        Assert.InRange(metrics.H, 0, 1e-14);
    }

    [Fact]
    public void Merge_over_chunks_equals_the_whole()
    {
        var rng = new Hnn.Datasets.Rng(5);
        var q = Enumerable.Range(0, 1000).Select(_ => rng.NextUniform(-3, 3)).ToArray();
        var p = Enumerable.Range(0, 1000).Select(_ => rng.NextUniform(-3, 3)).ToArray();
        var (x, dx, h) = ExactData(q, p);
        for (var k = 0; k < h.Length; k++)
        {
            h[k] += 1e-3 * Math.Sin(k);        // make every error sum non-zero
            dx[1][k] += 1e-3 * Math.Cos(k);
        }

        var network = OneNeuron();
        var whole = Evaluator.Sums(network, x, dx, h, 0, 1000);
        var merged = Evaluator.Sums(network, x, dx, h, 0, 1)
            .Merge(Evaluator.Sums(network, x, dx, h, 1, 300))
            .Merge(Evaluator.Sums(network, x, dx, h, 301, 256))
            .Merge(Evaluator.Sums(network, x, dx, h, 557, 443));

        // Sums re-associated: equal to rounding (relative 1e-12).
        Assert.Equal(whole.Count, merged.Count);
        Assert.Equal(whole.HErr, merged.HErr, 1e-12 * whole.HErr);
        Assert.Equal(whole.HRef, merged.HRef, 1e-12 * whole.HRef);
        Assert.Equal(whole.GradErr, merged.GradErr, 1e-12 * whole.GradErr);
        Assert.Equal(whole.GradRef, merged.GradRef, 1e-12 * whole.GradRef);
        Assert.Equal(whole.DxErr, merged.DxErr, 1e-12 * whole.DxErr);
        Assert.Equal(whole.DxRef, merged.DxRef, 1e-12 * whole.DxRef);

        var a = Evaluator.Evaluate(network, x, dx, h, chunkRows: 7);
        var b = Evaluator.Evaluate(network, x, dx, h);
        Assert.Equal(b.Count, a.Count);
        Assert.Equal(b.H, a.H, 1e-12 * b.H);
        Assert.Equal(b.GradH, a.GradH, 1e-12 * b.GradH);
        Assert.Equal(b.Dx, a.Dx, 1e-12 * b.Dx);
        Assert.Equal(whole.ToMetrics().H, b.H, 1e-12 * b.H);
    }

    [Fact]
    public void Merge_and_metrics_by_hand()
    {
        var a = new ErrorSums(1, 4, 2, 8, 3, 12, 5);
        var b = new ErrorSums(3, 12, 6, 24, 0, 4, 7);
        Assert.Equal(new ErrorSums(4, 16, 8, 32, 3, 16, 12), a.Merge(b));
        Assert.Equal(a, a.Merge(default));

        // sqrt(4/16) = 0.5, sqrt(8/32) = 0.5, sqrt(3/16) = 0.4330...; zero reference falls back to sqrt(err).
        var m = a.Merge(b).ToMetrics();
        Assert.Equal(0.5, m.H, 1e-15);
        Assert.Equal(0.5, m.GradH, 1e-15);
        Assert.Equal(Math.Sqrt(3.0 / 16), m.Dx, 1e-15);
        Assert.Equal(12, m.Count);
        Assert.Equal(3.0, new ErrorSums(9, 0, 0, 0, 0, 0, 1).ToMetrics().H, 1e-15);
    }
}
