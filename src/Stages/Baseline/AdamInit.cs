namespace Hnn.Stages.Baseline;

/// <summary>How <see cref="AdamTrainer.Initialize"/> draws the initial network of the Adam baseline.</summary>
public enum AdamInit
{
    /// <summary>
    /// PyTorch's default <c>nn.Linear</c> initialisation, which the paper's reference HNN trains from: hidden weights
    /// and biases ~ U(-1/sqrt(D), 1/sqrt(D)) (fan-in D = 2d), output weights and output bias ~ U(-1/sqrt(N), 1/sqrt(N))
    /// (fan-in N, the width).
    /// </summary>
    TorchDefault,

    /// <summary>
    /// Xavier-normal weights (torch.nn.init.xavier_normal_) and zero biases: the reference's <c>MLP.init_params()</c>,
    /// which its training never calls.
    /// </summary>
    Xavier,
}
