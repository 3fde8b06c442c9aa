namespace Hnn.Stages.Hig;

/// <summary>When training stops and how often it is evaluated.</summary>
/// <param name="Seconds">
/// Wall-clock budget: epochs run while the training time so far is below it (the study's <c>MAX_TIME</c>, 100 s), so
/// the last epoch may end past it.
/// </param>
/// <param name="MaxEpochs">Upper bound on epochs regardless of time (int.MaxValue: time only).</param>
/// <param name="EvaluateEvery">Evaluate after epochs 1-5 and then every this many (and always after the last).</param>
public sealed record ControlBudget(double Seconds = 100, int MaxEpochs = int.MaxValue, int EvaluateEvery = 1)
{
    /// <summary>Throws <see cref="ArgumentException"/> for a negative or non-finite budget or a count below 1.</summary>
    public void Validate()
    {
        if (!double.IsFinite(Seconds) || Seconds < 0 || MaxEpochs < 0 || EvaluateEvery < 1)
            throw new ArgumentException($"invalid budget {this}: need finite seconds >= 0, max epochs >= 0, evaluate-every >= 1");
    }
}
