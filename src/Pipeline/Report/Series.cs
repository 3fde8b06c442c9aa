namespace Hnn.Pipeline.Report;

/// <summary>
/// One named line or point set: <see cref="X"/>[i], <see cref="Y"/>[i] (same length). <see cref="Dashed"/> draws
/// the line dashed (e.g. the learned trajectory next to the true one). <see cref="Style"/>: a method, an integrator or
/// "true H", whose colour, pattern and width are the same in every figure (<see cref="ReportStyle"/>).
/// </summary>
public sealed record Series(string Name, double[] X, double[] Y, bool Dashed = false, string? Style = null);
