namespace Hnn.Stages.Hig;

/// <summary>One evaluation during training: losses per data point on the whole training and test sets.</summary>
/// <param name="Epoch">Epochs completed (0: the initial network).</param>
/// <param name="Updates">Optimiser updates completed.</param>
/// <param name="Seconds">Training wall-clock time so far (epochs only; evaluations are not counted, as in the study).</param>
/// <param name="TrainLoss">Mean over the training set of ||y* - P(x; f(y*))||^2.</param>
/// <param name="TestLoss">The same on the held-out test set.</param>
public sealed record ControlRecord(int Epoch, int Updates, double Seconds, double TrainLoss, double TestLoss);

/// <summary>The result of training one optimiser.</summary>
/// <param name="Settings">The optimiser and its settings.</param>
/// <param name="History">Evaluations in order; the last is the final network.</param>
/// <param name="Parameters">Final network parameters.</param>
public sealed record ControlRun(ControlOptimiserSettings Settings, IReadOnlyList<ControlRecord> History, double[] Parameters)
{
    /// <summary>The last evaluation.</summary>
    public ControlRecord Final => History[^1];
}
