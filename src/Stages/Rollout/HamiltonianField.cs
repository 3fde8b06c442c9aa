using Hnn.Datasets;
using Hnn.Stages.Model;

namespace Hnn.Stages.Rollout;

/// <summary>
/// A Hamiltonian H(q, p) evaluated on a batch of states: the right-hand side that the integrators of
/// <see cref="Rollouts"/> advance. A batch is column-major like every point set of the project: <c>x[i][m]</c> is
/// coordinate i of state m, coordinates (q_1..q_d, p_1..p_d), d = <see cref="Dof"/>; gradients use the same layout
/// (dH/dq_1..dH/dq_d, dH/dp_1..dH/dp_d). No separability is assumed.
/// </summary>
/// <remarks>
/// Adapters: <see cref="ExactField"/> (a <see cref="HamiltonianSystem"/>) and <see cref="LearnedField"/> (a sampled
/// <see cref="Network"/>, evaluated with its vectorised <see cref="Network.Predict"/>). Implementations are pure,
/// immutable and thread-safe; the batch size is the length of the columns.
/// </remarks>
public abstract record HamiltonianField
{
    /// <summary>Degrees of freedom d; states have 2d coordinates.</summary>
    public abstract int Dof { get; }

    /// <summary>The state dimension 2d.</summary>
    public int Dim => 2 * Dof;

    /// <summary>The exact field of a system.</summary>
    public static HamiltonianField Exact(HamiltonianSystem system) => new ExactField(system);

    /// <summary>The field of a learned network.</summary>
    public static HamiltonianField Learned(Network network) => new LearnedField(network);

    /// <summary>H at every state of the batch: <paramref name="h"/>[m] = H(x[.][m]).</summary>
    /// <exception cref="ArgumentException">The batch does not have <see cref="Dim"/> columns of equal length, or
    /// <paramref name="h"/> is shorter than the batch.</exception>
    public void Energy(double[][] x, Span<double> h)
    {
        var count = Batch.Check(x, Dim, nameof(x));
        if (h.Length < count)
        {
            throw new ArgumentException($"energy buffer has {h.Length} entries, the batch has {count} states", nameof(h));
        }

        EnergyCore(x, count, h[..count]);
    }

    /// <summary>H at every state of the batch, as a new array.</summary>
    public double[] Energy(double[][] x)
    {
        var count = Batch.Check(x, Dim, nameof(x));
        var h = new double[count];
        EnergyCore(x, count, h);
        return h;
    }

    /// <summary>grad H at every state: <paramref name="grad"/>[i][m] = dH/dx_i at state m (same shape as x).</summary>
    /// <exception cref="ArgumentException">Shapes differ, or <paramref name="grad"/> shares a column with x.</exception>
    public void Gradient(double[][] x, double[][] grad)
    {
        var count = Batch.Check(x, Dim, nameof(x));
        Batch.CheckSame(grad, Dim, count, nameof(grad));
        Batch.CheckDistinct(x, grad, nameof(grad));
        GradientCore(x, count, grad);
    }

    /// <summary>
    /// Hamilton's equations on the batch: dq/dt = dH/dp, dp/dt = -dH/dq (x' = J grad H). Same shapes as
    /// <see cref="Gradient"/>.
    /// </summary>
    public void TimeDerivative(double[][] x, double[][] dx)
    {
        Gradient(x, dx);
        ToTimeDerivative(dx, Dof);
    }

    /// <summary>H for the <paramref name="count"/> states of a checked batch.</summary>
    protected abstract void EnergyCore(double[][] x, int count, Span<double> h);

    /// <summary>grad H for the <paramref name="count"/> states of a checked batch into a checked buffer.</summary>
    protected abstract void GradientCore(double[][] x, int count, double[][] grad);

    /// <summary>In place: (dH/dq, dH/dp) becomes (dH/dp, -dH/dq).</summary>
    internal static void ToTimeDerivative(double[][] g, int dof)
    {
        for (var i = 0; i < dof; i++)
        {
            var gq = g[i];
            var gp = g[dof + i];
            for (var m = 0; m < gq.Length; m++)
            {
                (gq[m], gp[m]) = (gp[m], -gq[m]);
            }
        }
    }
}
