using Hnn.Pipeline.Config;
using Hnn.Stages.Hig;

namespace Hnn.Pipeline.Cli;

/// <summary>
/// The <c>hig:</c> section of a control-study pipeline (e.g. <c>pipelines/hig/coupled-oscillators.yaml</c>): the chain,
/// the data sizes, the seeds, the per-optimiser budget and settings. Defaults are the study's.
/// </summary>
public sealed class HigStudySpec
{
    public int Oscillators { get; set; } = 2;

    public int Steps { get; set; } = 24;

    public double Dt { get; set; } = 0.5;

    public double Coupling { get; set; } = 0.2;

    public double Alpha { get; set; }

    public int Train { get; set; } = 4096;

    public int Test { get; set; } = 4096;

    public List<ulong> Seeds { get; set; } = [0, 1, 2];

    public double BudgetSeconds { get; set; } = 100;

    public string Output { get; set; } = ".hnn/hig";

    public List<HigOptimiserSpec> Optimisers { get; set; } = [];

    /// <summary>Reads the <c>hig:</c> section of <paramref name="path"/>; throws <see cref="InputException"/> on bad input.</summary>
    public static HigStudySpec Load(string path)
    {
        // Read as a pipeline file is (InputFile, ConfigNode: a regular UTF-8 text file of bounded size, YAML within
        // its limits), then bound key by key (SectionFile): YamlDotNet's deserializer reported a file that is not
        // key: value lines as "Exception during deserialization" or with the .NET type it could not fill.
        var spec = SectionFile.Load<HigStudySpec>(path, "hig", KeyOf, "pipelines/hig/coupled-oscillators.yaml", RunPipeline);
        if (spec.Optimisers.Count == 0)
            spec.Optimisers = [.. Enum.GetValues<ControlOptimiser>().Select(m => new HigOptimiserSpec { Method = m.ToString().ToLowerInvariant() })];
        try
        {
            spec.Chain().Validate();
            foreach (var o in spec.Optimisers)
                o.Settings().Validate();
            new ControlBudget(spec.BudgetSeconds).Validate();
        }
        catch (ArgumentException e)
        {
            throw new InputException($"{path}: {e.Message}", e);
        }

        if (spec.Train < 1 || spec.Test < 1 || spec.Seeds.Count == 0)
            throw new InputException($"{path}: need train >= 1, test >= 1 and at least one seed");
        if (spec.Seeds.FirstOrDefault(s => spec.Seeds.Count(x => x == s) > 1) is var seed && spec.Seeds.Count(x => x == seed) > 1)
            throw new InputException(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{path}: hig.seeds: {seed} appears {Repeats.Times(spec.Seeds.Count(x => x == seed))} (each seed once)"));
        return spec;
    }

    /// <summary>The YAML key of a property: camelCase (<c>budgetSeconds</c>, <c>evaluateEvery</c>).</summary>
    public static string KeyOf(string property) => char.ToLowerInvariant(property[0]) + property[1..];

    /// <summary>A run pipeline (a top-level <c>model:</c> key) is not a control-study file: says so, and what to use.</summary>
    private static string? RunPipeline(MapNode root) => root["model"] is null
        ? null
        : "is an 'hnn run' pipeline (its hig: section, if any, is method hig's settings); 'hnn hig' needs a control-study file with a hig: section only (e.g. pipelines/hig/coupled-oscillators.yaml), or --hnn to train its HNN by HIG";

    /// <summary>The chain this section describes.</summary>
    public OscillatorChain Chain() => new(Oscillators, Steps, Dt, Coupling, Alpha);
}

/// <summary>One optimiser of the study: the method and any setting that departs from the study's.</summary>
public sealed class HigOptimiserSpec
{
    public string Method { get; set; } = "hig";

    public int? Batch { get; set; }

    public double? Lr { get; set; }

    public double? Truncation { get; set; }

    public double? Exponent { get; set; }

    /// <summary>Evaluate (whole train and test sets) after epochs 1-5 and then every this many.</summary>
    public int EvaluateEvery { get; set; } = 1;

    /// <summary>The study's settings for <see cref="Method"/> with the overrides applied.</summary>
    public ControlOptimiserSettings Settings()
    {
        if (!Enum.TryParse<ControlOptimiser>(Method, ignoreCase: true, out var method) || !Enum.IsDefined(method))
            throw new ArgumentException($"optimiser method '{Method}'; allowed: adam, sip, hig");
        var s = ControlOptimiserSettings.Study(method);
        return s with
        {
            BatchSize = Batch ?? s.BatchSize,
            LearningRate = Lr ?? s.LearningRate,
            Truncation = Truncation ?? s.Truncation,
            Exponent = Exponent ?? s.Exponent,
        };
    }
}
