namespace Hnn.Stages.Rollout;

/// <summary>
/// One fixed-size step of an integrator, in place on a column-major batch of M states. Each instance owns its work
/// buffers (sized for one batch), so it is not thread-safe and lives for one <see cref="Rollouts.Integrate"/> call.
/// </summary>
internal abstract class Stepper
{
    protected Stepper(HamiltonianField field, int count, FixedPointSettings fixedPoint)
    {
        Field = field;
        Dof = field.Dof;
        Count = count;
        FixedPoint = fixedPoint;
        G = Batch.New(field.Dim, count);
    }

    protected HamiltonianField Field { get; }

    protected int Dof { get; }

    protected int Count { get; }

    protected FixedPointSettings FixedPoint { get; }

    /// <summary>Gradient buffer, (dH/dq, dH/dp) at the last evaluated batch.</summary>
    protected double[][] G { get; }

    public static Stepper Create(Integrator integrator, HamiltonianField field, int count, FixedPointSettings fixedPoint) => integrator switch
    {
        Integrator.Euler => new ForwardEulerStepper(field, count, fixedPoint),
        Integrator.SymplecticEuler => new SymplecticEulerStepper(field, count, fixedPoint),
        Integrator.Verlet => new VerletStepper(field, count, fixedPoint),
        Integrator.ImplicitMidpoint => new ImplicitMidpointStepper(field, count, fixedPoint),
        Integrator.Rk4 => new Rk4Stepper(field, count, fixedPoint),
        _ => throw new ArgumentOutOfRangeException(nameof(integrator), integrator, "not a fixed-step integrator"),
    };

    /// <summary>Advances <paramref name="x"/> by one step of size <paramref name="h"/>; <paramref name="step"/> (1-based) is for messages.</summary>
    public abstract void Step(double[][] x, double h, int step);

    /// <summary>
    /// Fixed-point bookkeeping: writes <paramref name="value"/> into <paramref name="slot"/> and folds the scaled update
    /// |value - old| / (1 + |value|) into <paramref name="residual"/>; clears <paramref name="finite"/> on a non-finite value.
    /// </summary>
    protected static void Update(ref double slot, double value, ref double residual, ref bool finite)
    {
        var r = Math.Abs(value - slot) / (1 + Math.Abs(value));
        if (!double.IsFinite(value))
        {
            finite = false;
        }
        else if (r > residual)
        {
            residual = r;
        }

        slot = value;
    }

    /// <summary>
    /// Throws the clear error if an iteration diverged; returns true when it has converged: the scaled update is at most
    /// the tolerance, or it has stopped decreasing (&gt;= <paramref name="previous"/>) while at most the stall tolerance
    /// (round-off level of the evaluations reached; see <see cref="FixedPointSettings"/>).
    /// </summary>
    protected bool Converged(Integrator integrator, int step, double h, int iteration, double residual, double previous, bool finite)
    {
        if (!finite)
        {
            throw new FixedPointNotConvergedException(integrator.ToName(), step, h, double.NaN, iteration, FixedPoint.Tolerance);
        }

        return residual <= FixedPoint.Tolerance || (residual >= previous && residual <= FixedPoint.StallTolerance);
    }

    protected FixedPointNotConvergedException NotConverged(Integrator integrator, int step, double h, double residual) =>
        new(integrator.ToName(), step, h, residual, FixedPoint.MaxIterations, FixedPoint.Tolerance);

    /// <summary>
    /// Solves P = p_n - c dH/dq(q_n, P) by fixed-point iteration from P = p_n. On return <paramref name="y"/> holds
    /// (q_n, P) and <see cref="G"/> the gradient at the last iterate before P (which differs from P by less than the
    /// tolerance; for separable H, P is exact after one iteration and G is evaluated at it).
    /// </summary>
    protected void SolveMomentum(Integrator integrator, double[][] x, double c, double[][] y, int step, double h) =>
        FixedPointSolve(integrator, x, y, Dof, Dof, -Dof, -c, timeDerivative: false, step, h);

    /// <summary>
    /// The fixed-point iteration of the implicit steps: from y = x, y_i = x_i + c F(y)_(i + offset) for the coordinates i in
    /// [first, first + length) (the others stay x's), F = grad H, or J grad H with <paramref name="timeDerivative"/>. On
    /// return <see cref="G"/> holds F at the last iterate before y (within the tolerance of it); throws the clear error when
    /// it diverges or does not converge within <see cref="FixedPointSettings.MaxIterations"/>.
    /// </summary>
    protected void FixedPointSolve(Integrator integrator, double[][] x, double[][] y, int first, int length, int offset, double c, bool timeDerivative, int step, double h)
    {
        Batch.CopyTo(x, y);
        var residual = 0.0;
        for (var iteration = 1; iteration <= FixedPoint.MaxIterations; iteration++)
        {
            if (timeDerivative)
            {
                Field.TimeDerivative(y, G);
            }
            else
            {
                Field.Gradient(y, G);
            }

            var previous = iteration == 1 ? double.PositiveInfinity : residual;
            residual = 0.0;
            var finite = true;
            for (var i = first; i < first + length; i++)
            {
                var xi = x[i];
                var fi = G[i + offset];
                var yi = y[i];
                for (var m = 0; m < Count; m++)
                {
                    Update(ref yi[m], xi[m] + (c * fi[m]), ref residual, ref finite);
                }
            }

            if (Converged(integrator, step, h, iteration, residual, previous, finite))
            {
                return;
            }
        }

        throw NotConverged(integrator, step, h, residual);
    }
}

/// <summary>x_{n+1} = x_n + h J grad H(x_n).</summary>
internal sealed class ForwardEulerStepper(HamiltonianField field, int count, FixedPointSettings fixedPoint)
    : Stepper(field, count, fixedPoint)
{
    public override void Step(double[][] x, double h, int step)
    {
        Field.Gradient(x, G);
        var d = Dof;
        for (var i = 0; i < d; i++)
        {
            var q = x[i];
            var p = x[d + i];
            var gq = G[i];
            var gp = G[d + i];
            for (var m = 0; m < Count; m++)
            {
                q[m] += h * gp[m];
                p[m] -= h * gq[m];
            }
        }
    }
}

/// <summary>p_{n+1} = p_n - h dH/dq(q_n, p_{n+1}) (fixed point), q_{n+1} = q_n + h dH/dp(q_n, p_{n+1}).</summary>
internal sealed class SymplecticEulerStepper : Stepper
{
    private readonly double[][] _y;

    public SymplecticEulerStepper(HamiltonianField field, int count, FixedPointSettings fixedPoint)
        : base(field, count, fixedPoint) => _y = Batch.New(field.Dim, count);

    public override void Step(double[][] x, double h, int step)
    {
        SolveMomentum(Integrator.SymplecticEuler, x, h, _y, step, h);
        var d = Dof;
        for (var i = 0; i < d; i++)
        {
            var q = x[i];
            var gp = G[d + i];
            for (var m = 0; m < Count; m++)
            {
                q[m] += h * gp[m];
            }

            _y[d + i].AsSpan().CopyTo(x[d + i]);
        }
    }
}

/// <summary>
/// The other symplectic Euler: q_(n+1) = q_n + h dH/dp(q_(n+1), p_n) (fixed point in q), p_(n+1) = p_n - h
/// dH/dq(q_(n+1), p_n); the one-step rule of the finite-difference rows (features at (q_(n+1), p_n)). Not a
/// <see cref="Integrator"/> of the rollout section; used by <see cref="TrajectoryRollout.SolveStepwise"/>.
/// </summary>
internal sealed class SymplecticEulerQStepper : Stepper
{
    private readonly double[][] _y;

    public SymplecticEulerQStepper(HamiltonianField field, int count, FixedPointSettings fixedPoint)
        : base(field, count, fixedPoint) => _y = Batch.New(field.Dim, count);

    public override void Step(double[][] x, double h, int step)
    {
        FixedPointSolve(Integrator.SymplecticEuler, x, _y, 0, Dof, Dof, h, timeDerivative: false, step, h);
        var d = Dof;

        // G was evaluated at the last iterate before Q (within the tolerance of it).
        for (var i = 0; i < d; i++)
        {
            var gq = G[i];
            var p = x[d + i];
            var q = x[i];
            var yq = _y[i];
            for (var m = 0; m < Count; m++)
            {
                q[m] = yq[m];
                p[m] -= h * gq[m];
            }
        }
    }
}

/// <summary>
/// Störmer–Verlet for general H (GNI Theorem VI.3.4): an implicit half step in p, an implicit full step in q
/// (trapezoidal in dH/dp), an explicit half step in p. Separable H: one gradient evaluation confirms each solve.
/// </summary>
internal sealed class VerletStepper : Stepper
{
    private readonly double[][] _y;
    private readonly double[][] _a;

    public VerletStepper(HamiltonianField field, int count, FixedPointSettings fixedPoint)
        : base(field, count, fixedPoint)
    {
        _y = Batch.New(field.Dim, count);
        _a = Batch.New(field.Dof, count);
    }

    public override void Step(double[][] x, double h, int step)
    {
        var d = Dof;
        var half = h / 2;

        // p_{n+1/2} = p_n - h/2 dH/dq(q_n, p_{n+1/2}); keep A = dH/dp(q_n, p_{n+1/2}).
        SolveMomentum(Integrator.Verlet, x, half, _y, step, h);
        for (var i = 0; i < d; i++)
        {
            G[d + i].AsSpan().CopyTo(_a[i]);
        }

        // q_{n+1} = q_n + h/2 (A + dH/dp(q_{n+1}, p_{n+1/2})), from q_n + h A (exact for separable H).
        for (var i = 0; i < d; i++)
        {
            var q = x[i];
            var a = _a[i];
            var yq = _y[i];
            for (var m = 0; m < Count; m++)
            {
                yq[m] = q[m] + (h * a[m]);
            }
        }

        var residual = 0.0;
        var converged = false;
        for (var iteration = 1; iteration <= FixedPoint.MaxIterations && !converged; iteration++)
        {
            Field.Gradient(_y, G);
            var previous = iteration == 1 ? double.PositiveInfinity : residual;
            residual = 0.0;
            var finite = true;
            for (var i = 0; i < d; i++)
            {
                var q = x[i];
                var a = _a[i];
                var gp = G[d + i];
                var yq = _y[i];
                for (var m = 0; m < Count; m++)
                {
                    Update(ref yq[m], q[m] + (half * (a[m] + gp[m])), ref residual, ref finite);
                }
            }

            converged = Converged(Integrator.Verlet, step, h, iteration, residual, previous, finite);
        }

        if (!converged)
        {
            throw NotConverged(Integrator.Verlet, step, h, residual);
        }

        // p_{n+1} = p_{n+1/2} - h/2 dH/dq(q_{n+1}, p_{n+1/2}).
        for (var i = 0; i < d; i++)
        {
            var q = x[i];
            var p = x[d + i];
            var yq = _y[i];
            var yp = _y[d + i];
            var gq = G[i];
            for (var m = 0; m < Count; m++)
            {
                q[m] = yq[m];
                p[m] = yp[m] - (half * gq[m]);
            }
        }
    }
}

/// <summary>x_{n+1} = x_n + h f(Y), Y = x_n + h/2 f(Y) solved by fixed-point iteration from Y = x_n (f = J grad H).</summary>
internal sealed class ImplicitMidpointStepper : Stepper
{
    private readonly double[][] _y;

    public ImplicitMidpointStepper(HamiltonianField field, int count, FixedPointSettings fixedPoint)
        : base(field, count, fixedPoint) => _y = Batch.New(field.Dim, count);

    public override void Step(double[][] x, double h, int step)
    {
        var dim = x.Length;
        FixedPointSolve(Integrator.ImplicitMidpoint, x, _y, 0, dim, 0, h / 2, timeDerivative: true, step, h);

        // f was evaluated at the last iterate before Y (within the tolerance of it).
        for (var i = 0; i < dim; i++)
        {
            var xi = x[i];
            var fi = G[i];
            for (var m = 0; m < Count; m++)
            {
                xi[m] += h * fi[m];
            }
        }
    }
}

/// <summary>The classic RK4: k1 = f(x), k2 = f(x + h/2 k1), k3 = f(x + h/2 k2), k4 = f(x + h k3).</summary>
internal sealed class Rk4Stepper : Stepper
{
    private readonly double[][] _k2;
    private readonly double[][] _k3;
    private readonly double[][] _k4;
    private readonly double[][] _tmp;

    public Rk4Stepper(HamiltonianField field, int count, FixedPointSettings fixedPoint)
        : base(field, count, fixedPoint)
    {
        _k2 = Batch.New(field.Dim, count);
        _k3 = Batch.New(field.Dim, count);
        _k4 = Batch.New(field.Dim, count);
        _tmp = Batch.New(field.Dim, count);
    }

    public override void Step(double[][] x, double h, int step)
    {
        var k1 = G;
        Field.TimeDerivative(x, k1);
        Axpy(x, h / 2, k1, _tmp);
        Field.TimeDerivative(_tmp, _k2);
        Axpy(x, h / 2, _k2, _tmp);
        Field.TimeDerivative(_tmp, _k3);
        Axpy(x, h, _k3, _tmp);
        Field.TimeDerivative(_tmp, _k4);
        var sixth = h / 6;
        for (var i = 0; i < x.Length; i++)
        {
            var xi = x[i];
            for (var m = 0; m < Count; m++)
            {
                xi[m] += sixth * (k1[i][m] + (2 * (_k2[i][m] + _k3[i][m])) + _k4[i][m]);
            }
        }
    }

    /// <summary>result = x + a k.</summary>
    private static void Axpy(double[][] x, double a, double[][] k, double[][] result)
    {
        for (var i = 0; i < x.Length; i++)
        {
            var xi = x[i];
            var ki = k[i];
            var ri = result[i];
            for (var m = 0; m < xi.Length; m++)
            {
                ri[m] = xi[m] + (a * ki[m]);
            }
        }
    }
}
