namespace Hnn.Stages.Rollout;

/// <summary>
/// Distance of a trajectory from a reference over time (<see cref="RolloutDiagnostics.StateError"/>).
/// <c>PerState[m][k]</c> is the Euclidean norm of x_m(t_k) - x_ref,m(t_k); <c>Max[k]</c> and <c>Rms[k]</c> are the
/// maximum and the root mean square of it over the M initial conditions; <see cref="MaxOverall"/> is the largest of all.
/// </summary>
public sealed record StateErrorSeries(double[] Times, double[][] PerState, double[] Max, double[] Rms)
{
    /// <summary>max over times and initial conditions.</summary>
    public double MaxOverall => Max.Max();
}

/// <summary>
/// Drift of an energy along a trajectory (<see cref="RolloutDiagnostics.EnergyDrift"/>). <c>Initial[m]</c> = H(x_m(t_0));
/// <c>Absolute[m][k]</c> = |H(x_m(t_k)) - H(x_m(t_0))|; <c>Relative[m][k]</c> = Absolute / max(|H(x_m(t_0))|,
/// <see cref="RolloutDiagnostics.Tiny"/>); <c>MaxAbsolute[k]</c>, <c>MaxRelative[k]</c> over the M initial conditions.
/// </summary>
public sealed record EnergyDriftSeries(
    double[] Times, double[] Initial, double[][] Absolute, double[][] Relative, double[] MaxAbsolute, double[] MaxRelative)
{
    /// <summary>max over times and initial conditions of the relative drift.</summary>
    public double MaxRelativeOverall => MaxRelative.Max();

    /// <summary>max over times and initial conditions of the absolute drift.</summary>
    public double MaxAbsoluteOverall => MaxAbsolute.Max();
}

/// <summary>
/// Errors of a model H-hat against the true H along a trajectory (<see cref="RolloutDiagnostics.ModelError"/>).
/// <c>EnergyRelative[m][k]</c> = |H-hat - offset - H| / max(|H|, Tiny) at x_m(t_k); <c>GradientRelative[m][k]</c> =
/// ||grad H-hat - grad H|| / max(||grad H||, Tiny); <c>Max*[k]</c> over the M initial conditions; <see cref="EnergyL2"/>
/// and <see cref="GradientL2"/> are relative L2 errors over all (k, m), sqrt(sum e^2) / sqrt(sum ref^2), as in docs/ALGORITHM.md §4.
/// </summary>
public sealed record ModelErrorSeries(
    double[] Times,
    double[][] EnergyRelative,
    double[][] GradientRelative,
    double[] MaxEnergyRelative,
    double[] MaxGradientRelative,
    double EnergyL2,
    double GradientL2);

/// <summary>
/// Poincaré section points (<see cref="RolloutDiagnostics.Poincare"/>): crossings of x[<see cref="Coordinate"/>] =
/// <see cref="Level"/> where the conjugate momentum x[d + Coordinate] is &gt; 0. <c>Times[m][c]</c> is the time of the
/// c-th crossing of trajectory m and <c>Points[m][c]</c> the full interpolated state there (length 2d).
/// </summary>
public sealed record PoincareSection(int Coordinate, double Level, double[][] Times, double[][][] Points)
{
    /// <summary>Number of initial conditions M.</summary>
    public int Count => Times.Length;

    /// <summary>
    /// Coordinates <paramref name="first"/> and <paramref name="second"/> of the crossings of trajectory <paramref name="m"/>,
    /// e.g. (1, 3) gives (q_2, p_2) for a 2-dof system (the Hénon–Heiles picture).
    /// </summary>
    public (double[] First, double[] Second) Plane(int m, int first, int second)
    {
        var points = Points[m];
        var a = new double[points.Length];
        var b = new double[points.Length];
        for (var c = 0; c < points.Length; c++)
        {
            a[c] = points[c][first];
            b[c] = points[c][second];
        }

        return (a, b);
    }
}
