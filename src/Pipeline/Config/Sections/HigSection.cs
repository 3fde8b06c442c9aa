using Hnn.Stages.Baseline;

namespace Hnn.Pipeline.Config;

/// <summary>
/// <c>hig:</c> — the HIG-trained baseline's settings (used when model.methods lists hig). Defaults are the trainer's
/// (<see cref="HigSpec.Default"/>): lr 1, batch 32, truncation 1e-10, 15000 steps, PyTorch's init.
/// </summary>
internal static class HigSection
{
    public static readonly string[] Keys = ["learning_rate", "batch_size", "truncation", "steps", "init"];

    /// <summary>The section as given (with defaults), whether or not hig is used; the rules check that it is.</summary>
    public static HigSpec Read(SpecReader r, MapNode root)
    {
        var map = r.Map(root, "hig", "hig", required: false);
        r.CheckKeys(map, "hig", Keys);
        var d = HigSpec.Default;
        var lr = r.Double(map?["learning_rate"], "hig.learning_rate") ?? d.LearningRate;
        if (!(lr > 0) || lr > SpecLimits.MaxLearningRate)
        {
            r.Problem("hig.learning_rate", $"{SpecReader.Format(lr)} is not allowed: must be in (0, 1000] (default {SpecReader.Format(d.LearningRate)})");
        }

        var batch = (int)(r.Integer(map?["batch_size"], "hig.batch_size", 1, SpecLimits.MaxHigBatch) ?? d.BatchSize);
        var truncation = r.Double(map?["truncation"], "hig.truncation") ?? d.Truncation;
        if (!(truncation >= 0) || truncation >= 1)
        {
            r.Problem("hig.truncation", $"{SpecReader.Format(truncation)} is not allowed: must be in [0, 1) (default {SpecReader.Format(d.Truncation)})");
        }

        var steps = (int)(r.Integer(map?["steps"], "hig.steps", 1, 100_000_000) ?? d.Steps);
        var init = r.String(map, "init", "hig.init", AdamSection.InitName(d.Init), AdamSection.Inits) == AdamSection.InitName(AdamInit.Xavier) ? AdamInit.Xavier : AdamInit.TorchDefault;
        return new HigSpec(lr, batch, truncation, steps) { Init = init };
    }

    public static object? ToJson(HigSpec? h) => h is null ? null : new { h.LearningRate, h.BatchSize, h.Truncation, h.Steps, h.Init };
}
