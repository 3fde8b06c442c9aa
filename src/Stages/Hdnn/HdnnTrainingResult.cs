namespace Hnn.Stages.Hdnn;

/// <summary>A trained H-DNN: weights, classifier [W, mu], accuracies and the mean outer loss per epoch.</summary>
public sealed record HdnnTrainingResult(
    HdnnParameters Parameters, double[] Classifier, double TrainAccuracy, double TestAccuracy, IReadOnlyList<double> EpochLoss);
