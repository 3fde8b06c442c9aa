namespace Hnn.Stages.Evaluation;

/// <summary>
/// Sums behind relative L2 errors, mergeable across chunks: sum (y - y_hat)^2 and sum y^2 for H, grad H and x'.
/// </summary>
public readonly record struct ErrorSums(
    double HErr, double HRef, double GradErr, double GradRef, double DxErr, double DxRef, long Count)
{
    public ErrorSums Merge(ErrorSums o) => new(
        HErr + o.HErr, HRef + o.HRef, GradErr + o.GradErr, GradRef + o.GradRef, DxErr + o.DxErr, DxRef + o.DxRef, Count + o.Count);

    public ErrorMetrics ToMetrics() => new(
        Relative(HErr, HRef), Relative(GradErr, GradRef), Relative(DxErr, DxRef), Count);

    private static double Relative(double err, double reference) =>
        reference > 0 ? Math.Sqrt(err / reference) : Math.Sqrt(err);
}

/// <summary>Relative L2 errors (docs/ALGORITHM.md §4: sqrt(sum (H - H_hat)^2) / sqrt(sum H^2)).</summary>
/// <param name="H">Relative L2 error of H.</param>
/// <param name="GradH">Relative L2 error of grad H over all components.</param>
/// <param name="Dx">Relative L2 error of x' = J grad H against the observed x'.</param>
/// <param name="Count">Points evaluated.</param>
public sealed record ErrorMetrics(double H, double GradH, double Dx, long Count);
