namespace Hnn.Stages.Hig;

/// <summary>The three optimisers of the HIG coupled-oscillator study.</summary>
public enum ControlOptimiser
{
    /// <summary>Adam on the loss gradient (the study's gradient-descent representative).</summary>
    Adam,

    /// <summary>
    /// Scale-invariant physics: per sample, a Gauss-Newton step of the physics (truncated pseudo-inverse of dP/du applied
    /// to the loss gradient) gives a new control; Adam then fits the network to it (the proxy loss ||u_new - f||^2).
    /// </summary>
    Sip,

    /// <summary>Half-inverse gradients: SGD on (J_net-physics)^(-1/2) applied to the loss gradient, J truncated.</summary>
    Hig,
}
