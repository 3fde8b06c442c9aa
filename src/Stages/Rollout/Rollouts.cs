namespace Hnn.Stages.Rollout;

/// <summary>
/// Rollouts: M initial conditions advanced together in time by one of the <see cref="Integrator"/>s, on any
/// <see cref="HamiltonianField"/> (exact or learned, separable or not). Batches are column-major:
/// <c>x0[i][m]</c> is coordinate i (q_1..q_d, p_1..p_d) of initial condition m. Pure: no clock, no I/O; the
/// cancellation token is honoured between steps.
/// </summary>
/// <remarks>
/// The module is called <c>Rollouts</c> rather than <c>Rollout</c> so that it does not share its name with the
/// namespace <c>Hnn.Stages.Rollout</c> (callers in a namespace ending in <c>.Rollout</c> would otherwise resolve the
/// namespace instead of the class).
/// </remarks>
public static class Rollouts
{
    /// <summary>
    /// Integrates from x0 at t = 0 with <paramref name="steps"/> steps of size <paramref name="dt"/>. Saves the states
    /// at steps 0, s, 2s, ... (s = <paramref name="saveEvery"/>) and always at the last step, at times n·dt (computed as
    /// n·dt, not accumulated). <see cref="Integrator.Dop853"/> returns its adaptive solution (default
    /// <see cref="ReferenceSettings"/>) at the same times.
    /// </summary>
    /// <exception cref="ArgumentException">Shapes (x0 must have field.Dim columns of M &gt;= 1 finite states), dt (finite,
    /// &gt; 0), steps (&gt;= 0) or saveEvery (&gt;= 1) out of range; the message names the argument and the value.</exception>
    /// <exception cref="FixedPointNotConvergedException">An implicit step did not converge (use a smaller dt).</exception>
    /// <exception cref="InvalidOperationException">A state became non-finite (the message names the step; use a smaller dt).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="ct"/> was cancelled.</exception>
    public static Trajectory Integrate(
        HamiltonianField field,
        double[][] x0,
        double dt,
        int steps,
        Integrator integrator,
        int saveEvery = 1,
        FixedPointSettings? fixedPoint = null,
        CancellationToken ct = default,
        IProgress<double>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(field);
        var count = CheckInitial(field, x0);
        if (!(dt > 0) || !double.IsFinite(dt))
        {
            throw new ArgumentOutOfRangeException(nameof(dt), dt, "dt must be finite and > 0");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(steps);
        ArgumentOutOfRangeException.ThrowIfLessThan(saveEvery, 1);
        if (!Enum.IsDefined(integrator))
        {
            throw new ArgumentOutOfRangeException(nameof(integrator), integrator, $"unknown integrator; known: {string.Join(", ", Integrators.Names)}");
        }

        fixedPoint ??= FixedPointSettings.Default;
        fixedPoint.Validate();

        var saved = SavedSteps(steps, saveEvery);
        var times = new double[saved.Length];
        for (var k = 0; k < saved.Length; k++)
        {
            times[k] = saved[k] * dt;
        }

        if (integrator == Integrator.Dop853)
        {
            return Dop853.Solve(field, x0, times, ReferenceSettings.Default, ct, progress);
        }

        var stepper = Stepper.Create(integrator, field, count, fixedPoint);
        var x = Batch.Copy(x0);
        var states = new double[saved.Length][][];
        states[0] = Batch.Copy(x);
        var next = 1;
        for (var n = 1; n <= steps; n++)
        {
            ct.ThrowIfCancellationRequested();
            stepper.Step(x, dt, n);
            if (next < saved.Length && saved[next] == n)
            {
                CheckFinite(x, integrator, n, dt);
                states[next++] = Batch.Copy(x);
                progress?.Report((double)n / steps);
            }
        }

        return new Trajectory(times, states);
    }

    /// <summary>
    /// High-accuracy reference: adaptive DOP853 from x0 at t = 0, returning the states exactly at
    /// <paramref name="times"/> (finite, &gt;= 0, strictly increasing; a time 0 returns x0).
    /// </summary>
    /// <exception cref="ArgumentException">Bad shapes, times or settings.</exception>
    /// <exception cref="InvalidOperationException">The step size underflowed or MaxSteps was exceeded.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="ct"/> was cancelled.</exception>
    public static Trajectory Reference(
        HamiltonianField field,
        double[][] x0,
        double[] times,
        ReferenceSettings? settings = null,
        CancellationToken ct = default,
        IProgress<double>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(field);
        CheckInitial(field, x0);
        CheckTimes(times);
        settings ??= ReferenceSettings.Default;
        settings.Validate();
        return Dop853.Solve(field, x0, times, settings, ct, progress);
    }

    /// <summary>As <see cref="Reference(HamiltonianField, double[][], double[], ReferenceSettings?, CancellationToken)"/> with rtol = atol = <paramref name="tolerance"/>.</summary>
    public static Trajectory Reference(HamiltonianField field, double[][] x0, double[] times, double tolerance, CancellationToken ct = default,
        IProgress<double>? progress = null) =>
        Reference(field, x0, times, new ReferenceSettings(tolerance, tolerance), ct, progress);

    /// <summary>The step indices that <see cref="Integrate"/> saves: 0, s, 2s, ... and <paramref name="steps"/>.</summary>
    public static int[] SavedSteps(int steps, int saveEvery)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(steps);
        ArgumentOutOfRangeException.ThrowIfLessThan(saveEvery, 1);
        var saved = new List<int>();
        for (var n = 0; n <= steps; n += saveEvery)
        {
            saved.Add(n);
            if (n > steps - saveEvery)
            {
                break; // avoids overflow of n + saveEvery
            }
        }

        if (saved[^1] != steps)
        {
            saved.Add(steps);
        }

        return [.. saved];
    }

    private static int CheckInitial(HamiltonianField field, double[][] x0)
    {
        var count = Batch.Check(x0, field.Dim, nameof(x0));
        if (count < 1)
        {
            throw new ArgumentException("x0 holds no initial conditions; give at least one state", nameof(x0));
        }

        Batch.CheckFinite(x0, nameof(x0));
        return count;
    }

    private static void CheckTimes(double[] times)
    {
        ArgumentNullException.ThrowIfNull(times);
        if (times.Length == 0)
        {
            throw new ArgumentException("times is empty; give at least one output time", nameof(times));
        }

        for (var k = 0; k < times.Length; k++)
        {
            if (!double.IsFinite(times[k]) || times[k] < 0)
            {
                throw new ArgumentException($"times[{k}] = {times[k]}; output times must be finite and >= 0 (x0 is at t = 0)", nameof(times));
            }

            if (k > 0 && !(times[k] > times[k - 1]))
            {
                throw new ArgumentException($"times must be strictly increasing: times[{k - 1}] = {times[k - 1]}, times[{k}] = {times[k]}", nameof(times));
            }
        }
    }

    private static void CheckFinite(double[][] x, Integrator integrator, int step, double dt)
    {
        foreach (var column in x)
        {
            foreach (var v in column)
            {
                if (!double.IsFinite(v))
                {
                    throw new InvalidOperationException(
                        $"{integrator.ToName()}: the state became non-finite by step {step} (t = {step * dt:g6}, dt = {dt:g6}); use a smaller dt.");
                }
            }
        }
    }
}
