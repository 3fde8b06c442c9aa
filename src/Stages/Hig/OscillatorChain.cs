namespace Hnn.Stages.Hig;

/// <summary>
/// The controlled chain of the HIG coupled-oscillator study ("Coupled Oscillators with Half-Inverse Gradients",
/// Physics-based Deep Learning, Thuerey et al.): state s = (x_1..x_N, v_1..v_N) with
/// s' = A s + B s + C u, A = kron([[0, 1], [-1, 0]], I_N), B = coupling kron([[0, 0], [1, 0]], L) with L the N x N
/// Laplacian stencil (-2 on the diagonal, 1 beside it, zero boundary), C = kron([0, 1], e_N) (the control pushes the
/// last velocity); optionally the nonlinear bonds alpha (x_i - x_{i+1})^4 of the study's Hamiltonian, i = 1..N-1,
/// which add -4 alpha (x_i - x_{i+1})^3 to v_i' and +4 alpha (x_i - x_{i+1})^3 to v_{i+1}'. Integrated by Nt steps
/// of classic RK4 with step Dt, the control constant within a step.
/// </summary>
/// <param name="Oscillators">N (the study: 2).</param>
/// <param name="Steps">Nt (the study: 24).</param>
/// <param name="Dt">RK4 step (the study: 0.5).</param>
/// <param name="Coupling">Strength of the Laplacian coupling (the study: 0.2).</param>
/// <param name="Alpha">Quartic bond strength (the study's linear runs: 0).</param>
public sealed record OscillatorChain(int Oscillators = 2, int Steps = 24, double Dt = 0.5, double Coupling = 0.2, double Alpha = 0)
{
    /// <summary>State dimension 2N.</summary>
    public int StateSize => 2 * Oscillators;

    /// <summary>Throws <see cref="ArgumentException"/> for a non-positive size or step, or non-finite constants.</summary>
    public void Validate()
    {
        if (Oscillators < 1 || Steps < 1 || !(Dt > 0) || !double.IsFinite(Dt) || !double.IsFinite(Coupling) || !double.IsFinite(Alpha))
            throw new ArgumentException($"invalid oscillator chain {this}: need N >= 1, Nt >= 1, finite Dt > 0, finite coupling and alpha");
    }

    /// <summary>f(s, u) into <paramref name="f"/>.</summary>
    public void Derivative(ReadOnlySpan<double> s, double u, Span<double> f)
    {
        var n = Oscillators;
        for (var i = 0; i < n; i++)
        {
            var left = i > 0 ? s[i - 1] : 0;
            var right = i < n - 1 ? s[i + 1] : 0;
            f[i] = s[n + i];
            f[n + i] = -s[i] + (Coupling * (left - (2 * s[i]) + right));
        }

        for (var i = 0; i < n - 1; i++)
        {
            var d = s[i] - s[i + 1];
            var force = 4 * Alpha * d * d * d;
            f[n + i] -= force;
            f[n + i + 1] += force;
        }

        f[(2 * n) - 1] += u;
    }

    /// <summary>df/ds at <paramref name="s"/> (2N x 2N, column-major) into <paramref name="jacobian"/>; df/du is e_(2N).</summary>
    public void StateJacobian(ReadOnlySpan<double> s, Span<double> jacobian)
    {
        var n = Oscillators;
        var d2 = 2 * n;
        jacobian[..(d2 * d2)].Clear();
        for (var i = 0; i < n; i++)
        {
            jacobian[((n + i) * d2) + i] = 1; // x_i' = v_i
            jacobian[(i * d2) + n + i] = -1 - (2 * Coupling);
            if (i > 0)
                jacobian[((i - 1) * d2) + n + i] += Coupling;
            if (i < n - 1)
                jacobian[((i + 1) * d2) + n + i] += Coupling;
        }

        for (var i = 0; i < n - 1; i++)
        {
            var d = s[i] - s[i + 1];
            var k = 12 * Alpha * d * d; // d/dd of 4 alpha d^3
            // v_i' -= force(d), v_{i+1}' += force(d), d = x_i - x_{i+1}
            jacobian[(i * d2) + n + i] -= k;
            jacobian[((i + 1) * d2) + n + i] += k;
            jacobian[(i * d2) + n + i + 1] += k;
            jacobian[((i + 1) * d2) + n + i + 1] -= k;
        }
    }

    /// <summary>P(x; u): the state after <see cref="Steps"/> RK4 steps from <paramref name="x0"/> under controls u.</summary>
    public double[] Simulate(ReadOnlySpan<double> x0, ReadOnlySpan<double> controls)
    {
        CheckSizes(x0, controls);
        var s = x0.ToArray();
        var work = new Rk4Work(StateSize);
        for (var t = 0; t < Steps; t++)
            Step(s, controls[t], work);
        return s;
    }

    /// <summary>
    /// P(x; u) and its exact Jacobian dP/du (2N x Nt, column-major): the RK4 stages differentiated step by step (forward
    /// tangents of each step with respect to its start state and its control), chained backwards from the end.
    /// </summary>
    public double[] SimulateWithJacobian(ReadOnlySpan<double> x0, ReadOnlySpan<double> controls, Span<double> jacobian)
    {
        CheckSizes(x0, controls);
        var d = StateSize;
        var work = new Rk4Work(d);
        var stepState = new double[Steps * d * d]; // d s_{t+1} / d s_t
        var stepControl = new double[Steps * d]; // d s_{t+1} / d u_t
        var s = x0.ToArray();
        for (var t = 0; t < Steps; t++)
            StepTangent(s, controls[t], work, stepState.AsSpan(t * d * d, d * d), stepControl.AsSpan(t * d, d));

        // Backwards: M = d s_Nt / d s_{t+1}; column t of dP/du = M (d s_{t+1} / d u_t); then M <- M (d s_{t+1} / d s_t).
        var m = new double[d * d];
        for (var i = 0; i < d; i++)
            m[(i * d) + i] = 1;
        var next = new double[d * d];
        for (var t = Steps - 1; t >= 0; t--)
        {
            var b = stepControl.AsSpan(t * d, d);
            var column = jacobian.Slice(t * d, d);
            MatVec(m, b, column, d);
            var a = stepState.AsSpan(t * d * d, d * d);
            for (var j = 0; j < d; j++)
                MatVec(m, a.Slice(j * d, d), next.AsSpan(j * d, d), d);
            (m, next) = (next, m);
        }

        return s;
    }

    private void CheckSizes(ReadOnlySpan<double> x0, ReadOnlySpan<double> controls)
    {
        if (x0.Length != StateSize || controls.Length != Steps)
            throw new ArgumentException($"need a state of {StateSize} and {Steps} controls, got {x0.Length} and {controls.Length}");
    }

    private void Step(Span<double> s, double u, Rk4Work w)
    {
        var h = Dt;
        Derivative(s, u, w.K1);
        Axpy(s, 0.5 * h, w.K1, w.Y);
        Derivative(w.Y, u, w.K2);
        Axpy(s, 0.5 * h, w.K2, w.Y);
        Derivative(w.Y, u, w.K3);
        Axpy(s, h, w.K3, w.Y);
        Derivative(w.Y, u, w.K4);
        for (var i = 0; i < s.Length; i++)
            s[i] += h * (w.K1[i] + (2 * w.K2[i]) + (2 * w.K3[i]) + w.K4[i]) / 6;
    }

    /// <summary>One RK4 step with its tangents: T = [d/ds | d/du] of each stage, a d x (d + 1) matrix per stage.</summary>
    private void StepTangent(Span<double> s, double u, Rk4Work w, Span<double> dState, Span<double> dControl)
    {
        var d = StateSize;
        var cols = d + 1;
        var h = Dt;
        var j = new double[d * d];
        var tk1 = new double[d * cols];
        var tk2 = new double[d * cols];
        var tk3 = new double[d * cols];
        var tk4 = new double[d * cols];
        var ty = new double[d * cols];

        // y = s: dy = [I | 0]
        for (var i = 0; i < d; i++)
            ty[(i * d) + i] = 1;
        StageTangent(s, ty, j, tk1);
        Derivative(s, u, w.K1);

        Axpy(s, 0.5 * h, w.K1, w.Y);
        TangentAxpy(0.5 * h, tk1, ty, d);
        StageTangent(w.Y, ty, j, tk2);
        Derivative(w.Y, u, w.K2);

        Axpy(s, 0.5 * h, w.K2, w.Y);
        TangentAxpy(0.5 * h, tk2, ty, d);
        StageTangent(w.Y, ty, j, tk3);
        Derivative(w.Y, u, w.K3);

        Axpy(s, h, w.K3, w.Y);
        TangentAxpy(h, tk3, ty, d);
        StageTangent(w.Y, ty, j, tk4);
        Derivative(w.Y, u, w.K4);

        for (var c = 0; c < cols; c++)
        {
            for (var i = 0; i < d; i++)
            {
                var idx = (c * d) + i;
                var value = (c == i ? 1.0 : 0.0) + (h * (tk1[idx] + (2 * tk2[idx]) + (2 * tk3[idx]) + tk4[idx]) / 6);
                if (c < d)
                    dState[idx] = value;
                else
                    dControl[i] = value;
            }
        }

        for (var i = 0; i < d; i++)
            s[i] += h * (w.K1[i] + (2 * w.K2[i]) + (2 * w.K3[i]) + w.K4[i]) / 6;
    }

    /// <summary>dk = J(y) dy + e_(2N) du, for the tangent columns [d/ds | d/du].</summary>
    private void StageTangent(ReadOnlySpan<double> y, double[] ty, double[] j, double[] tk)
    {
        var d = StateSize;
        StateJacobian(y, j);
        for (var c = 0; c <= d; c++)
            MatVec(j, ty.AsSpan(c * d, d), tk.AsSpan(c * d, d), d);
        tk[(d * d) + d - 1] += 1; // the control column: df/du = e_(2N)
    }

    /// <summary>ty = [I | 0] + a tk (the tangent of s + a k).</summary>
    private static void TangentAxpy(double a, double[] tk, double[] ty, int d)
    {
        for (var c = 0; c <= d; c++)
            for (var i = 0; i < d; i++)
                ty[(c * d) + i] = (c == i ? 1.0 : 0.0) + (a * tk[(c * d) + i]);
    }

    private static void Axpy(ReadOnlySpan<double> x, double a, ReadOnlySpan<double> k, Span<double> y)
    {
        for (var i = 0; i < x.Length; i++)
            y[i] = x[i] + (a * k[i]);
    }

    /// <summary>y = M x for a d x d column-major M.</summary>
    private static void MatVec(ReadOnlySpan<double> m, ReadOnlySpan<double> x, Span<double> y, int d)
    {
        y[..d].Clear();
        for (var c = 0; c < d; c++)
        {
            var xc = x[c];
            for (var i = 0; i < d; i++)
                y[i] += m[(c * d) + i] * xc;
        }
    }

    private sealed class Rk4Work(int d)
    {
        public double[] K1 { get; } = new double[d];

        public double[] K2 { get; } = new double[d];

        public double[] K3 { get; } = new double[d];

        public double[] K4 { get; } = new double[d];

        public double[] Y { get; } = new double[d];
    }
}
