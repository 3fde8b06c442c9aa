namespace Hnn.Stages.Rollout;

/// <summary>The time integrators of <see cref="Rollouts"/>. All work for non-separable H.</summary>
public enum Integrator
{
    /// <summary>Forward (explicit) Euler, order 1, not symplectic: x_{n+1} = x_n + h J grad H(x_n).</summary>
    Euler,

    /// <summary>
    /// Symplectic Euler, order 1: p_{n+1} = p_n - h dH/dq(q_n, p_{n+1}), q_{n+1} = q_n + h dH/dp(q_n, p_{n+1});
    /// implicit in p (fixed-point iteration), explicit for separable H.
    /// </summary>
    SymplecticEuler,

    /// <summary>
    /// Störmer–Verlet, order 2, symplectic and symmetric (Hairer–Lubich–Wanner, GNI, Theorem VI.3.4):
    /// p_{n+1/2} = p_n - h/2 dH/dq(q_n, p_{n+1/2}) (implicit), q_{n+1} = q_n + h/2 (dH/dp(q_n, p_{n+1/2}) +
    /// dH/dp(q_{n+1}, p_{n+1/2})) (implicit), p_{n+1} = p_{n+1/2} - h/2 dH/dq(q_{n+1}, p_{n+1/2}) (explicit).
    /// For separable H this is the leapfrog scheme.
    /// </summary>
    Verlet,

    /// <summary>Implicit midpoint, order 2, symplectic: x_{n+1} = x_n + h J grad H((x_n + x_{n+1}) / 2).</summary>
    ImplicitMidpoint,

    /// <summary>The classic four-stage Runge–Kutta method, order 4.</summary>
    Rk4,

    /// <summary>
    /// Adaptive Dormand–Prince 8(5,3) (DOP853, Hairer–Nørsett–Wanner), the high-accuracy reference; in
    /// <see cref="Rollouts.Integrate"/> it returns the states at the same save times as the fixed-step methods.
    /// </summary>
    Dop853,
}

/// <summary>Names used in configs and results, and properties of the <see cref="Integrator"/>s.</summary>
public static class Integrators
{
    /// <summary>Config names, in enum order: euler, symplectic-euler, verlet, implicit-midpoint, rk4, dop853.</summary>
    public static IReadOnlyList<string> Names { get; } = ["euler", "symplectic-euler", "verlet", "implicit-midpoint", "rk4", "dop853"];

    public static string ToName(this Integrator integrator) => integrator switch
    {
        Integrator.Euler => "euler",
        Integrator.SymplecticEuler => "symplectic-euler",
        Integrator.Verlet => "verlet",
        Integrator.ImplicitMidpoint => "implicit-midpoint",
        Integrator.Rk4 => "rk4",
        Integrator.Dop853 => "dop853",
        _ => throw new ArgumentOutOfRangeException(nameof(integrator), integrator, null),
    };

    /// <summary>Parses a config name (case-insensitive; also accepts a few common spellings such as "leapfrog").</summary>
    public static bool TryParse(string name, out Integrator integrator)
    {
        ArgumentNullException.ThrowIfNull(name);
        switch (name.Trim().ToLowerInvariant())
        {
            case "euler" or "forward-euler" or "explicit-euler": integrator = Integrator.Euler; return true;
            case "symplectic-euler" or "symplecticeuler": integrator = Integrator.SymplecticEuler; return true;
            case "verlet" or "stormer-verlet" or "störmer-verlet" or "leapfrog": integrator = Integrator.Verlet; return true;
            case "implicit-midpoint" or "midpoint": integrator = Integrator.ImplicitMidpoint; return true;
            case "rk4": integrator = Integrator.Rk4; return true;
            case "dop853": integrator = Integrator.Dop853; return true;
            default: integrator = default; return false;
        }
    }

    /// <summary>Classical order of the method: 1, 1, 2, 2, 4, 8.</summary>
    public static int Order(this Integrator integrator) => integrator switch
    {
        Integrator.Euler or Integrator.SymplecticEuler => 1,
        Integrator.Verlet or Integrator.ImplicitMidpoint => 2,
        Integrator.Rk4 => 4,
        Integrator.Dop853 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(integrator), integrator, null),
    };

    /// <summary>True for the symplectic methods (symplectic Euler, Verlet, implicit midpoint).</summary>
    public static bool IsSymplectic(this Integrator integrator) =>
        integrator is Integrator.SymplecticEuler or Integrator.Verlet or Integrator.ImplicitMidpoint;

    /// <summary>True for the methods that solve implicit equations by fixed-point iteration.</summary>
    public static bool IsImplicit(this Integrator integrator) => integrator.IsSymplectic();
}
