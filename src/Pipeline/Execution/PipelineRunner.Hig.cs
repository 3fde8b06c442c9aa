using Hnn.Pipeline.Config;
using Hnn.Pipeline.Planning;
using Hnn.Stages.Baseline;
using Hnn.Stages.Model;
using Hnn.Stages.Training;

namespace Hnn.Pipeline.Execution;

/// <summary>The HIG-trained baseline (method hig): a cached hig-train node (network and loss history), then evaluation and rollouts.</summary>
public sealed partial class PipelineRunner
{
    /// <summary>The method name in results and keys.</summary>
    public const string HigMethod = PipelineLoader.HigMethod;

    private async Task<ExperimentResult> RunHigAsync(PipelineSpec spec, ExperimentJob job, HigChain chain, Anchor anchor, RolloutTruth? truth, CancellationToken ct)
    {
        var label = job.Label;
        var h = spec.Hig!;
        var train = job.Data.Train;
        var dim = 2 * train.Dof;
        var settings = h.Settings;
        var mine = new List<StageRecord>();

        // One training gives two artifacts: the network (hig-train) and its loss history (hig-loss, same key). If only
        // the loss is missing from the store, training is repeated (it is deterministic: no time budget, and the SVD on
        // one BLAS thread) to restore it.
        HigResult? trained = null;
        HigResult Train()
        {
            var progress = ThrottledProgress.Adam(_log.ForContext("Stage", StageCatalog.HigTrain.Name), label, TimeSpan.FromSeconds(5));
            return trained ??= HigTrainer.Train(train.X, train.Dx, job.Plan.Width, anchor, settings, job.Plan.ModelSeed, _la.WithThreads(1), null, progress, ct);
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
            l => Codecs.FromLoss(l.Item1, l.Item2), Codecs.ToLoss, ct, mine, artifact: StageCatalog.HigTrain.Extra[0]).ConfigureAwait(false);
        if (loss.Item2.Length > 0)
        {
            _log.ForContext("Stage", StageCatalog.HigTrain.Name).Information("{Label}: final training loss {Loss:0.00e+00} after {Steps} steps", label, loss.Item2[^1], h.Steps);
        }

        return await EvaluateAndRollOutAsync(spec, job, network, -1, anchor, truth, mine, ct).ConfigureAwait(false);
    }
}
