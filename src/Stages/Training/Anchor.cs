namespace Hnn.Stages.Training;

/// <summary>The anchor that fixes the integration constant: H(X0) = H0 (docs/ALGORITHM.md §2.2).</summary>
public sealed record Anchor(double[] X0, double H0);
