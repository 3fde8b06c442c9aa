using Hnn.Stages.Model;

namespace Hnn.Stages.Rollout;

/// <summary>
/// A learned H (a sampled <see cref="Network"/>) as a batch field, evaluated with the vectorised
/// <see cref="Network.Predict"/>. A learned H is in general not separable.
/// </summary>
public sealed record LearnedField : HamiltonianField
{
    /// <summary>Wraps <paramref name="network"/>; its input dimension must be even (q and p).</summary>
    public LearnedField(Network network)
    {
        ArgumentNullException.ThrowIfNull(network);
        if (network.InputDim % 2 != 0)
        {
            throw new ArgumentException(
                $"a Hamiltonian network needs an even input dimension 2d (q and p), got {network.InputDim}", nameof(network));
        }

        Network = network;
    }

    /// <summary>The network whose H and analytic gradient are evaluated.</summary>
    public Network Network { get; }

    /// <inheritdoc />
    public override int Dof => Network.InputDim / 2;

    /// <inheritdoc />
    protected override void EnergyCore(double[][] x, int count, Span<double> h) => Network.Predict(x, 0, count, h, null);

    /// <inheritdoc />
    protected override void GradientCore(double[][] x, int count, double[][] grad) =>
        Network.Predict(x, 0, count, new double[count], grad);
}
