using Hnn.Pipeline.Config;
using Hnn.Pipeline.Data;
using Hnn.Pipeline.Planning;
using Hnn.Stages.Baseline;
using Hnn.Stages.Model;
using Hnn.Stages.Training;

namespace Hnn.Pipeline.Execution;

/// <summary>The gradient-trained baseline (method adam): a cached train node (network and loss history), then evaluation and rollouts.</summary>
public sealed partial class PipelineRunner
{
    /// <summary>The method name in results and keys.</summary>
    public const string AdamMethod = PipelineLoader.AdamMethod;

    private Task<ExperimentResult> RunAdamAsync(PipelineSpec spec, ExperimentJob job, AdamChain chain, Anchor anchor, RolloutTruth? truth, CancellationToken ct)
    {
        var a = spec.Adam!;
        var train = job.Data.Train;
        var settings = new AdamSettings(a.LearningRate, a.BatchSize, a.WeightDecay, a.Steps, LossEvery: 1) { Init = a.Init };
        return RunTrainedAsync(spec, job, chain.Train, StageCatalog.Train, a.Steps, anchor, truth, ct, progress =>
        {
            var r = a.InitFile is null
                ? AdamTrainer.Train(train.X, train.Dx, job.Plan.Width, anchor, settings, job.Plan.ModelSeed, Share(spec), progress, ct)
                : AdamTrainer.Train(train.X, train.Dx, NetworkFile.Read(a.InitFile, train.Dof), anchor, settings, Share(spec), progress, ct);
            return (r.Network, r.LossSteps, r.Loss);
        });
    }

    /// <summary>
    /// A gradient-trained method's chain (adam, hig): one training gives two artifacts, the network (the train node)
    /// and its loss history (the stage's extra artifact, same key); then evaluation and rollouts. If only the loss is
    /// missing from the store, training is repeated (it is deterministic) to restore it.
    /// </summary>
    private async Task<ExperimentResult> RunTrainedAsync(PipelineSpec spec, ExperimentJob job, StageNode node, StageDecl stage, int steps,
        Anchor anchor, RolloutTruth? truth, CancellationToken ct, Func<IProgress<AdamProgress>, (Network Network, int[] LossSteps, double[] Loss)> train)
    {
        var label = job.Label;
        var dim = 2 * job.Data.Train.Dof;
        var mine = new List<StageRecord>();
        var log = _log.ForContext("Stage", stage.Name);
        (Network Network, int[] LossSteps, double[] Loss)? trained = null;
        (Network Network, int[] LossSteps, double[] Loss) Train() =>
            trained ??= train(ThrottledProgress.Adam(log, label, TimeSpan.FromSeconds(5)));

        var network = await CachedAsync(node, label, () => Task.FromResult(Train().Network), dim, ct, mine).ConfigureAwait(false);
        var loss = await CachedAsync(node, label,
            () =>
            {
                var result = Train();
                return Task.FromResult((result.LossSteps, result.Loss));
            },
            StageCodecs.Loss.Encode, t => StageCodecs.Loss.Decode(t, dim), ct, mine, artifact: stage.Extra[0]).ConfigureAwait(false);
        if (loss.Item2.Length > 0)
        {
            log.Information("{Label}: final training loss {Loss:0.00e+00} after {Steps} steps", label, loss.Item2[^1], steps);
        }

        return await EvaluateAndRollOutAsync(spec, job, network, -1, anchor, truth, mine, ct).ConfigureAwait(false);
    }
}
