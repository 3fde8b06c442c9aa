namespace Hnn.Stages.Baseline;

/// <summary>Training progress: <paramref name="Loss"/> is the mini-batch loss of step <paramref name="Step"/> (1-based).</summary>
public readonly record struct AdamProgress(int Step, int Steps, double Loss);
