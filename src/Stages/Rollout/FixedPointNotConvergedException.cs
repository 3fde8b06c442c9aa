namespace Hnn.Stages.Rollout;

/// <summary>
/// An implicit integrator's fixed-point iteration did not converge (or produced a non-finite iterate) within
/// <see cref="FixedPointSettings.MaxIterations"/>. The message names the integrator, the step, dt and the residual,
/// and suggests a smaller dt (the iteration contracts when h times the Lipschitz constant of grad H is small).
/// </summary>
public sealed class FixedPointNotConvergedException : InvalidOperationException
{
    /// <summary>Creates the exception with a message built from the details.</summary>
    public FixedPointNotConvergedException(string integrator, int step, double dt, double residual, int iterations, double tolerance)
        : base(Describe(integrator, step, dt, residual, iterations, tolerance))
    {
        Integrator = integrator;
        Step = step;
        Dt = dt;
        Residual = residual;
        Iterations = iterations;
    }

    /// <summary>Config name of the integrator.</summary>
    public string Integrator { get; }

    /// <summary>The 1-based number of the step that failed (step n advances from t = (n-1) dt to n dt).</summary>
    public int Step { get; }

    /// <summary>The time step.</summary>
    public double Dt { get; }

    /// <summary>The last scaled update max |new - old| / (1 + |new|) (NaN or infinity when the iteration diverged).</summary>
    public double Residual { get; }

    /// <summary>Iterations done.</summary>
    public int Iterations { get; }

    private static string Describe(string integrator, int step, double dt, double residual, int iterations, double tolerance)
    {
        var how = double.IsFinite(residual)
            ? $"did not converge in {iterations} iterations (last scaled update {residual:0.00e+00} > tolerance {tolerance:0.0e+00})"
            : $"diverged after {iterations} iteration(s) (non-finite iterate)";
        return $"{integrator}: the fixed-point iteration of step {step} (dt = {dt:g6}) {how}; use a smaller dt.";
    }
}
