namespace Hnn.Pipeline.Models;

/// <summary>
/// A learned Hamiltonian evaluated at a batch of K states. Columns are laid out like the states:
/// <c>GradH[i][k]</c> is dH/dx_i at point k (x = q1..qd, p1..pd), <c>Dx[i][k]</c> the time derivative of x_i.
/// </summary>
/// <param name="H">H at each point (K values).</param>
/// <param name="GradH">2d columns: dH/dq1..dH/dqd, dH/dp1..dH/dpd.</param>
/// <param name="Dx">2d columns: x' = J grad H, i.e. dq_i = dH/dp_i and dp_i = -dH/dq_i.</param>
public sealed record ModelPrediction(double[] H, double[][] GradH, double[][] Dx)
{
    /// <summary>Number of points.</summary>
    public int Count => H.Length;
}
