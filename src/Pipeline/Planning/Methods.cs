using System.Globalization;
using Hnn.Datasets;
using Hnn.Pipeline.Config;
using Hnn.Stages.Baseline;
using Hnn.Stages.Model;
using Hnn.Stages.Sampling;

namespace Hnn.Pipeline.Planning;

/// <summary>
/// The training methods, a closed set: each variant owns its name (in configs, results and keys), the seed labels its
/// draws use, and the stage chain it appends to the plan. Adding a sampler is its module in src/Stages/Sampling, one
/// variant here and its entry in <see cref="All"/>.
/// </summary>
public abstract record Method(string Name)
{
    /// <summary>Every method, in the order results list them.</summary>
    public static IReadOnlyList<Method> All { get; } = [Elm.Instance, USwim.Instance, ASwim.Instance, Swim.Instance, Adam.Instance, Hig.Instance];

    /// <summary>The variant of a sampled method of the config.</summary>
    public static SampledMethod Of(SamplingMethod method) => method switch
    {
        SamplingMethod.Elm => Elm.Instance,
        SamplingMethod.USwim => USwim.Instance,
        SamplingMethod.ASwim => ASwim.Instance,
        SamplingMethod.Swim => Swim.Instance,
        _ => throw new ArgumentOutOfRangeException(nameof(method), method, null),
    };

    /// <summary>Appends this method's training stages for one experiment; returns the chain (its last node is the model).</summary>
    internal abstract TrainingChain Append(PlanBuilder plan, ExperimentContext c);

    public sealed override string ToString() => Name;
}

/// <summary>A method whose hidden layer is sampled and whose output layer is one least-squares fit (or two, A-SWIM).</summary>
public abstract record SampledMethod(string Name, SamplingMethod Sampler) : Method(Name)
{
    /// <summary>The sampler of the first hidden layer (A-SWIM: U-SWIM's, so the two share it).</summary>
    public virtual SamplingMethod FirstSampler => Sampler;

    /// <summary>Seed label of the first layer's draws (<c>Rng.Derive(seed, label)</c>); SWIM's labels are SwimStages'.</summary>
    public virtual string SeedLabel => "swim";

    /// <summary>The first hidden layer from in-memory training data (the run's and `hnn bench`'s draw).</summary>
    public abstract HiddenLayer Draw(DataSet train, int width, ulong seed, (double Low, double High)? bias);

    /// <summary>The key parameters the data access adds to the first sample (ELM: its bias range).</summary>
    internal virtual IEnumerable<KeyValuePair<string, string>> SampleParameters(ExperimentContext c) =>
        c.Data.Streamed ? [new("candidates", Canon.Of(c.CandidateCap))] : [];

    internal override TrainingChain Append(PlanBuilder plan, ExperimentContext c)
    {
        var (firstWidth, firstRows) = FirstStage(c);
        List<KeyValuePair<string, string>> rows = firstRows is { } r ? [new("rows", Canon.Of(r))] : [];
        var sample = plan.Node(StageCatalog.Sample, c.Label,
        [
            new("method", FirstSampler.ToName()),
            new("width", Canon.Of(firstWidth)),
            new("seed", Canon.Of(c.ModelSeed)),
            .. SampleParameters(c),
            .. rows,
        ], [c.Data.Node]);
        var fit = plan.Node(StageCatalog.Fit, c.Label, [.. c.FitParameters, .. rows], [sample, c.Data.Node]);
        return Second(plan, c, new SampledChain(this, firstWidth, firstRows, this is Elm ? c.ElmBias : null, sample, fit, null, null));
    }

    /// <summary>The first stage's width and (when it is fit on fewer rows) its row count.</summary>
    internal virtual (int Width, int? Rows) FirstStage(ExperimentContext c) => (c.Width, null);

    /// <summary>A second stage after the first fit (A-SWIM); by default none.</summary>
    internal virtual SampledChain Second(PlanBuilder plan, ExperimentContext c, SampledChain first) => first;
}

public sealed record Elm() : SampledMethod("elm", SamplingMethod.Elm)
{
    public static Elm Instance { get; } = new();

    public override string SeedLabel => "elm";

    public override HiddenLayer Draw(DataSet train, int width, ulong seed, (double Low, double High)? bias)
    {
        ArgumentNullException.ThrowIfNull(train);
        var (low, high) = bias ?? throw new ArgumentNullException(nameof(bias), "ELM needs its bias range");
        return ElmSampler.Sample(2 * train.Dof, width, low, high, Rng.Derive(seed, SeedLabel));
    }

    internal override IEnumerable<KeyValuePair<string, string>> SampleParameters(ExperimentContext c) =>
        [new("bias", Canon.Of([c.ElmBias.Low, c.ElmBias.High]))];
}

public sealed record USwim() : SampledMethod("u-swim", SamplingMethod.USwim)
{
    public static USwim Instance { get; } = new();

    public override HiddenLayer Draw(DataSet train, int width, ulong seed, (double Low, double High)? bias) =>
        SwimStages.Sample(train?.X ?? throw new ArgumentNullException(nameof(train)), null, width, seed);
}

public sealed record Swim() : SampledMethod("swim", SamplingMethod.Swim)
{
    public static Swim Instance { get; } = new();

    public override HiddenLayer Draw(DataSet train, int width, ulong seed, (double Low, double High)? bias) =>
        SwimStages.Sample(train?.X ?? throw new ArgumentNullException(nameof(train)), train.H, width, seed);
}

/// <summary>
/// A-SWIM: a U-SWIM first stage (the same nodes as U-SWIM's unless model.a_swim_first makes it cheaper), then the
/// pairs resampled with probabilities from the first fit's H and a second fit.
/// </summary>
public sealed record ASwim() : SampledMethod("a-swim", SamplingMethod.ASwim)
{
    public static ASwim Instance { get; } = new();

    public override SamplingMethod FirstSampler => SamplingMethod.USwim;

    /// <summary>The first stage: U-SWIM's draw.</summary>
    public override HiddenLayer Draw(DataSet train, int width, ulong seed, (double Low, double High)? bias) => USwim.Instance.Draw(train, width, seed, bias);

    internal override (int Width, int? Rows) FirstStage(ExperimentContext c)
    {
        var first = c.Spec.Model.ASwimFirst;
        return first.IsFull
            ? (c.Width, null)
            : (RunPlan.FirstStageWidth(c.Width, first.WidthFraction), RunPlan.FirstStageRows(c.Data.TrainCount, first.TrainFraction));
    }

    internal override SampledChain Second(PlanBuilder plan, ExperimentContext c, SampledChain first)
    {
        List<KeyValuePair<string, string>> candidates = c.Data.Streamed ? [new("candidates", Canon.Of(c.CandidateCap))] : [];
        var resample = plan.Node(StageCatalog.Resample, c.Label,
            [new("method", Name), new("width", Canon.Of(c.Width)), new("seed", Canon.Of(c.ModelSeed)), .. candidates],
            [first.Fit, c.Data.Node]);
        var refit = plan.Node(StageCatalog.Fit, c.Label, c.FitParameters, [resample, c.Data.Node]);
        return first with { Resample = resample, Refit = refit };
    }
}

/// <summary>The gradient-trained baseline: one train stage (network and loss history) from the Adam settings.</summary>
public sealed record Adam() : Method(PipelineLoader.AdamMethod)
{
    public static Adam Instance { get; } = new();

    internal override TrainingChain Append(PlanBuilder plan, ExperimentContext c)
    {
        var a = c.Spec.Adam!;

        // The initial network: drawn from the model seed by adam.init, or read from adam.init_file (then the seed does
        // not enter, and the file's content does: an edited file retrains).
        List<KeyValuePair<string, string>> init = a.InitFile is null
            ? [new("init", InitName(a.Init)), new("seed", Canon.Of(c.ModelSeed))]
            : [new("init", "file"), new("init_file_sha256", c.Facts.InitFileSha256 ?? throw new InvalidOperationException("plan facts lack adam.init_file's hash"))];
        var train = plan.Node(StageCatalog.Train, c.Label,
        [
            new("method", Name),
            new("width", Canon.Of(c.Width)),
            .. init,
            new("learning_rate", Canon.Of(a.LearningRate)),
            new("batch_size", Canon.Of(a.BatchSize)),
            new("weight_decay", Canon.Of(a.WeightDecay)),
            new("steps", Canon.Of(a.Steps)),
            .. c.AnchorParameters,
        ], [c.Data.Node]);
        return new AdamChain(train);
    }

    public static string InitName(AdamInit init) => init switch
    {
        AdamInit.TorchDefault => "torch-default",
        AdamInit.Xavier => "xavier",
        _ => throw new ArgumentOutOfRangeException(nameof(init), init, "unknown initialisation"),
    };
}

/// <summary>
/// The HIG-trained baseline: the Adam baseline's network, loss and seeded initial network, trained by half-inverse
/// gradients; one hig-train stage (network and loss history) from the HIG settings.
/// </summary>
public sealed record Hig() : Method(PipelineLoader.HigMethod)
{
    public static Hig Instance { get; } = new();

    internal override TrainingChain Append(PlanBuilder plan, ExperimentContext c)
    {
        var h = c.Spec.Hig!;

        // The SVD of every step comes from the backend (LAPACK's dgesdd or the managed one), so it is in the key as in
        // the fit's; the exponent (-1/2) is fixed and named, so a later option would change no existing key.
        var train = plan.Node(StageCatalog.HigTrain, c.Label,
        [
            new("method", Name),
            new("width", Canon.Of(c.Width)),
            new("init", Adam.InitName(h.Init)),
            new("seed", Canon.Of(c.ModelSeed)),
            new("learning_rate", Canon.Of(h.LearningRate)),
            new("batch_size", Canon.Of(h.BatchSize)),
            new("truncation", Canon.Of(h.Truncation)),
            new("exponent", Canon.Of(h.Settings.Exponent)),
            new("steps", Canon.Of(h.Steps)),
            new("backend", c.Facts.NativeBackend ? "lapack" : "managed"),
            .. c.AnchorParameters,
        ], [c.Data.Node]);
        return new HigChain(train);
    }
}

/// <summary>Canonical parameter text (the key's form of each value type).</summary>
internal static class Canon
{
    public static string Of(double v) => Execution.CacheKey.Canon(v);

    public static string Of(IEnumerable<double> v) => Execution.CacheKey.Canon(v);

    public static string Of(long v) => Execution.CacheKey.Canon(v);

    public static string Of(ulong v) => v.ToString(CultureInfo.InvariantCulture);
}
