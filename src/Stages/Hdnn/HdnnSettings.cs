namespace Hnn.Stages.Hdnn;

/// <summary>
/// Training settings; the defaults are the reference's (DecodEPFL/HamiltonianNet, examples/train_2d_example.py):
/// nf 4, t_end 1.2, Adam lr 0.05, batch 125, 50 epochs, alpha 5e-4, classifier ridge alpha_c 1e-4 and 10 inner
/// classifier steps per batch. The reference's run.py defaults to 16 layers; the 64-layer setting is the paper's figure.
/// </summary>
public sealed record HdnnSettings
{
    public HdnnKind Kind { get; init; } = HdnnKind.H1J1;

    public int Nf { get; init; } = 4;

    public int Layers { get; init; } = 64;

    public double TEnd { get; init; } = 1.2;

    public double LearningRate { get; init; } = 0.05;

    public int BatchSize { get; init; } = 125;

    public int Epochs { get; init; } = 50;

    /// <summary>Weight of the smoothness regulariser.</summary>
    public double Alpha { get; init; } = 5e-4;

    /// <summary>Ridge weight of the classifier, alpha_c / 2 (||W||^2 + mu^2).</summary>
    public double ClassifierRidge { get; init; } = 1e-4;

    /// <summary>Adam steps on a fresh classifier for each batch before the network step.</summary>
    public int InnerSteps { get; init; } = 10;

    /// <summary>
    /// The reference sets Adam's step counter of the network weights to the epoch before each step, so that the bias
    /// correction uses t = epoch + 1 for every batch of an epoch; true reproduces that, false counts steps as usual.
    /// </summary>
    public bool BiasCorrectionByEpoch { get; init; } = true;

    /// <summary>Seed of the initial weights and of the batch order.</summary>
    public ulong Seed { get; init; }

    /// <summary>The network shape these settings describe.</summary>
    public HdnnArchitecture Architecture() => new(Kind, Nf, Layers, TEnd);
}
