using System.Globalization;
using Hnn.Pipeline.Config;
using Hnn.Pipeline.Data;
using Hnn.Stages.Baseline;
using Hnn.Stages.Model;
using Hnn.Stages.Training;

namespace Hnn.Pipeline.Execution;

/// <summary>The gradient-trained baseline (method adam): a cached train stage, its loss history, then evaluation and rollouts.</summary>
public sealed partial class PipelineRunner
{
    /// <summary>The method name in results and keys.</summary>
    public const string AdamMethod = PipelineLoader.AdamMethod;

    private async Task<ExperimentResult> RunAdamAsync(PipelineSpec spec, ExperimentJob job, Anchor anchor, RolloutPlan? plan, CancellationToken ct)
    {
        var label = $"{AdamMethod} width {job.Width} seed {job.ModelSeed}";
        var a = spec.Adam!;
        var train = job.Data.Train;
        var dim = 2 * train.Dof;
        var settings = new AdamSettings(a.LearningRate, a.BatchSize, a.WeightDecay, a.Steps, LossEvery: 1) { Init = a.Init };
        var keys = new Dictionary<string, string>();
        var mine = new List<StageRecord>();

        // The initial network: drawn from the model seed by adam.init, or read from adam.init_file (then the seed does
        // not enter, and the file's content does: an edited file retrains).
        List<KeyValuePair<string, string>> init = a.InitFile is null
            ? [new("init", InitName(a.Init)), new("seed", job.ModelSeed.ToString(CultureInfo.InvariantCulture))]
            : [new("init", "file"), new("init_file_sha256", DataFile.ContentHash(a.InitFile))];
        var trainKey = CacheKey.Compute("train", StageVersions["train"],
        [
            new("method", AdamMethod),
            new("width", CacheKey.Canon(job.Width)),
            .. init,
            new("learning_rate", CacheKey.Canon(a.LearningRate)),
            new("batch_size", CacheKey.Canon(a.BatchSize)),
            new("weight_decay", CacheKey.Canon(a.WeightDecay)),
            new("steps", CacheKey.Canon(a.Steps)),
            new("x0", CacheKey.Canon(anchor.X0)),
            new("h0", CacheKey.Canon(anchor.H0)),
        ], [job.Data.SplitKey]);
        keys["train"] = trainKey;

        // One training gives two artifacts: the network (train) and its loss history (loss, same key). If only the
        // loss is missing from the store, training is repeated (it is deterministic) to restore it.
        AdamResult? trained = null;
        AdamResult Train()
        {
            var progress = ThrottledProgress.Adam(_log.ForContext("Stage", "train"), label, TimeSpan.FromSeconds(5));
            return trained ??= a.InitFile is null
                ? AdamTrainer.Train(train.X, train.Dx, job.Width, anchor, settings, job.ModelSeed, Share(spec), progress, ct)
                : AdamTrainer.Train(train.X, train.Dx, NetworkFile.Read(a.InitFile, train.Dof), anchor, settings, Share(spec), progress, ct);
        }

        var network = await CachedAsync("train", trainKey, label,
            () => Task.FromResult(Train().Network),
            n => Codecs.FromNetwork(n, -1), t => Codecs.ToNetwork(t, dim).Network, ct, mine).ConfigureAwait(false);
        keys["loss"] = trainKey;
        var loss = await CachedAsync("loss", trainKey, label,
            () =>
            {
                var result = Train();
                return Task.FromResult((result.LossSteps, result.Loss));
            },
            l => Codecs.FromLoss(l.Item1, l.Item2), Codecs.ToLoss, ct, mine).ConfigureAwait(false);
        if (loss.Item2.Length > 0)
        {
            _log.ForContext("Stage", "train").Information("{Label}: final training loss {Loss:0.00e+00} after {Steps} steps", label, loss.Item2[^1], a.Steps);
        }

        return await EvaluateAndRollOutAsync(spec, job, AdamMethod, network, -1, trainKey, anchor, plan, label, keys, mine, ct).ConfigureAwait(false);
    }

    private static string InitName(AdamInit init) => init switch
    {
        AdamInit.TorchDefault => "torch-default",
        AdamInit.Xavier => "xavier",
        _ => throw new ArgumentOutOfRangeException(nameof(init), init, "unknown initialisation"),
    };
}
