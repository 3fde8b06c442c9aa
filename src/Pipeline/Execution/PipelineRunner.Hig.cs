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

    /// <summary>HIG's training is deterministic (no time budget, the SVD on one BLAS thread), so its loss can be restored by retraining.</summary>
    private Task<ExperimentResult> RunHigAsync(PipelineSpec spec, ExperimentJob job, HigChain chain, Anchor anchor, RolloutTruth? truth, CancellationToken ct)
    {
        var h = spec.Hig!;
        var train = job.Data.Train;
        return RunTrainedAsync(spec, job, chain.Train, StageCatalog.HigTrain, h.Steps, anchor, truth, ct, progress =>
        {
            var r = HigTrainer.Train(train.X, train.Dx, job.Plan.Width, anchor, h.Settings, job.Plan.ModelSeed, _la.WithThreads(1), null, progress, ct);
            return (r.Network, r.LossSteps, r.Loss);
        });
    }
}
