namespace Hnn.Stages.Hdnn;

/// <summary>
/// The layer types of Galimberti et al., "Hamiltonian Deep Neural Networks Guaranteeing Non-vanishing Gradients by
/// Design", in the forms of their public code (DecodEPFL/HamiltonianNet, integrators/integrators.py).
/// </summary>
public enum HdnnKind
{
    /// <summary>
    /// H1 (forward Euler), J = J1 = [[0, -I], [I, 0]] as the reference code builds it (its comment says
    /// [[0, I], [-I, 0]]): y += h J K tanh(K^T y + b).
    /// </summary>
    H1J1,

    /// <summary>H1 (forward Euler), J = J2: 0 on the diagonal, +1 above, -1 below.</summary>
    H1J2,

    /// <summary>
    /// H2 (symplectic Euler, K block-diagonal, y = (p, q) halves): q += h K11 tanh(K11^T p + b_p), then
    /// p -= h K22 tanh(K22^T q + b_q) with the new q.
    /// </summary>
    H2,

    /// <summary>
    /// MS1 (Verlet, Haber and Ruthotto's two-matrix step, one m x m matrix Kt per layer, m = nf / 2):
    /// z += h tanh(Kt y + b_z), then y += h tanh(-Kt^T z + b_y) with the new z; y is the first half, z the second.
    /// </summary>
    MS1,
}
