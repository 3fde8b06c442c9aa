using Hnn.Stages.Baseline;

namespace Hnn.Pipeline.Config;

/// <summary>
/// <c>adam:</c> — the gradient-trained baseline's settings (used when model.methods lists adam). Defaults are the
/// reference's (<see cref="AdamSpec.Default"/>): lr 5e-4, batch 2048, weight decay 1e-13, 15000 steps, PyTorch's init.
/// </summary>
internal static class AdamSection
{
    public static readonly string[] Keys = ["learning_rate", "batch_size", "weight_decay", "steps", "init", "init_file"];

    /// <summary>adam.init's values, in <see cref="AdamInit"/> order.</summary>
    public static readonly string[] Inits = ["torch-default", "xavier"];

    public static string InitName(AdamInit init) => init switch
    {
        AdamInit.Xavier => "xavier",
        _ => "torch-default",
    };

    /// <summary>The section as given (with defaults), whether or not adam is used; the rules check that it is.</summary>
    public static AdamSpec Read(SpecReader r, MapNode root)
    {
        var map = r.Map(root, "adam", "adam", required: false);
        r.CheckKeys(map, "adam", Keys);
        var d = AdamSpec.Default;
        var lr = r.Double(map?["learning_rate"], "adam.learning_rate") ?? d.LearningRate;
        if (!(lr > 0) || lr > SpecLimits.MaxLearningRate)
        {
            r.Problem("adam.learning_rate", $"{SpecReader.Format(lr)} is not allowed: must be in (0, 1000] (default {SpecReader.Format(d.LearningRate)})");
        }

        var batch = (int)(r.Integer(map?["batch_size"], "adam.batch_size", 1, 10_000_000) ?? d.BatchSize);
        var wd = r.Double(map?["weight_decay"], "adam.weight_decay") ?? d.WeightDecay;
        if (wd < 0)
        {
            r.Problem("adam.weight_decay", $"{SpecReader.Format(wd)} is not allowed: must be >= 0 (default {SpecReader.Format(d.WeightDecay)})");
        }

        var steps = (int)(r.Integer(map?["steps"], "adam.steps", 1, 100_000_000) ?? d.Steps);
        var init = r.String(map, "init", "adam.init", InitName(d.Init), Inits) == InitName(AdamInit.Xavier) ? AdamInit.Xavier : AdamInit.TorchDefault;
        string? initFile = null;
        if (map?["init_file"] is { } fileNode)
        {
            if (fileNode is ScalarNode { Value: { Length: > 0 } fv })
            {
                initFile = r.Resolve(fv);
                if (map["init"] is not null)
                {
                    r.Problem("adam.init", "is not allowed with adam.init_file (the file gives the initial network); remove one of them");
                }
            }
            else
            {
                r.Problem("adam.init_file", $"{SpecReader.Describe(fileNode)} is not allowed; allowed: a path to a CSV file of initial parameters (relative to this file)");
            }
        }

        return new AdamSpec(lr, batch, wd, steps) { Init = init, InitFile = initFile };
    }

    public static object? ToJson(AdamSpec? a) => a is null ? null : new { a.LearningRate, a.BatchSize, a.WeightDecay, a.Steps, a.Init, a.InitFile };
}
