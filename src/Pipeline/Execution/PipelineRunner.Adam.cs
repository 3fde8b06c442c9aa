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

    private async Task<ExperimentResult> RunAdamAsync(PipelineSpec spec, ExperimentJob job, AdamChain chain, Anchor anchor, RolloutTruth? truth, CancellationToken ct)
    {
        var label = job.Label;
        var a = spec.Adam!;
        var train = job.Data.Train;
        var dim = 2 * train.Dof;
        var width = job.Plan.Width;
        var settings = new AdamSettings(a.LearningRate, a.BatchSize, a.WeightDecay, a.Steps, LossEvery: 1) { Init = a.Init };
        var mine = new List<StageRecord>();

        // One training gives two artifacts: the network (train) and its loss history (loss, same key). If only the
        // loss is missing from the store, training is repeated (it is deterministic) to restore it.
        AdamResult? trained = null;
        AdamResult Train()
        {
            var progress = ThrottledProgress.Adam(_log.ForContext("Stage", "train"), label, TimeSpan.FromSeconds(5));
            return trained ??= a.InitFile is null
                ? AdamTrainer.Train(train.X, train.Dx, width, anchor, settings, job.Plan.ModelSeed, Share(spec), progress, ct)
                : AdamTrainer.Train(train.X, train.Dx, NetworkFile.Read(a.InitFile, train.Dof), anchor, settings, Share(spec), progress, ct);
        }

        var network = await CachedAsync(chain.Train, label,
            () => Task.FromResult(Train().Network),
            n => Codecs.FromNetwork(n, -1), t => Codecs.ToNetwork(t, dim).Network, ct, mine).ConfigureAwait(false);
        var loss = await CachedAsync(chain.Train, label,
            () =>
            {
                var result = Train();
                return Task.FromResult((result.LossSteps, result.Loss));
            },
            l => Codecs.FromLoss(l.Item1, l.Item2), Codecs.ToLoss, ct, mine, artifact: StageCatalog.Train.Extra[0]).ConfigureAwait(false);
        if (loss.Item2.Length > 0)
        {
            _log.ForContext("Stage", "train").Information("{Label}: final training loss {Loss:0.00e+00} after {Steps} steps", label, loss.Item2[^1], a.Steps);
        }

        return await EvaluateAndRollOutAsync(spec, job, network, -1, anchor, truth, mine, ct).ConfigureAwait(false);
    }
}
