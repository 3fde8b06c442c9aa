namespace Hnn.Api;

/// <summary>Time integrators for <see cref="HamiltonianModel.Rollout"/>; all work for non-separable H.</summary>
public enum HnnIntegrator
{
    /// <summary>Symplectic Euler, order 1 (implicit in p for non-separable H).</summary>
    SymplecticEuler,

    /// <summary>Störmer–Verlet (leapfrog for separable H), order 2, symplectic.</summary>
    Verlet,

    /// <summary>Implicit midpoint, order 2, symplectic.</summary>
    ImplicitMidpoint,

    /// <summary>Classic four-stage Runge–Kutta, order 4 (not symplectic).</summary>
    Rk4,

    /// <summary>Forward Euler, order 1 (not symplectic: energy grows).</summary>
    Euler,

    /// <summary>Adaptive Dormand–Prince 8(5,3), returned at the same times as the fixed-step methods.</summary>
    Dop853,
}
