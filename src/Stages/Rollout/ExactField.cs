using Hnn.Datasets;

namespace Hnn.Stages.Rollout;

/// <summary>The exact Hamiltonian of a <see cref="HamiltonianSystem"/> as a batch field (state by state).</summary>
public sealed record ExactField : HamiltonianField
{
    /// <summary>Wraps <paramref name="system"/>.</summary>
    public ExactField(HamiltonianSystem system)
    {
        ArgumentNullException.ThrowIfNull(system);
        System = system;
    }

    /// <summary>The system whose H and analytic gradient are evaluated.</summary>
    public HamiltonianSystem System { get; }

    /// <inheritdoc />
    public override int Dof => System.Dof;

    /// <inheritdoc />
    protected override void EnergyCore(double[][] x, int count, Span<double> h)
    {
        Span<double> point = stackalloc double[Dim];
        for (var m = 0; m < count; m++)
        {
            Batch.Gather(x, m, point);
            h[m] = System.Energy(point);
        }
    }

    /// <inheritdoc />
    protected override void GradientCore(double[][] x, int count, double[][] grad)
    {
        var dim = Dim;
        Span<double> point = stackalloc double[dim];
        Span<double> g = stackalloc double[dim];
        for (var m = 0; m < count; m++)
        {
            Batch.Gather(x, m, point);
            System.Gradient(point, g);
            for (var i = 0; i < dim; i++)
            {
                grad[i][m] = g[i];
            }
        }
    }
}
