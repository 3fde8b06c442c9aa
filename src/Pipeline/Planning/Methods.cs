using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Hnn.Datasets;
using Hnn.Pipeline.Config;
using Hnn.Pipeline.Data;
using Hnn.Pipeline.Execution;
using Hnn.Stages.Baseline;
using Hnn.Stages.Model;
using Hnn.Stages.Sampling;
using Hnn.Stages.Training;

namespace Hnn.Pipeline.Planning;

/// <summary>
/// The training methods, a closed set: each variant owns its name (in configs, results and keys) and aliases, the seed
/// labels its draws use, what it needs of the data, its draws (in memory and streamed) and the stage chain it appends
/// to the plan. <see cref="All"/> is the one registration: config parsing, the cross-section rules, the plan facts and
/// `hnn bench` ask it. Adding a sampler is its module in src/Stages/Sampling, one variant here and its entry in
/// <see cref="All"/>.
/// </summary>
[JsonConverter(typeof(MethodJsonConverter<Method>))]
public abstract record Method(string Name)
{
    /// <summary>Every method, in the order results list them (and config errors list the allowed names).</summary>
    public static IReadOnlyList<Method> All { get; } = [Elm.Instance, USwim.Instance, ASwim.Instance, Swim.Instance, Adam.Instance, Hig.Instance];

    /// <summary>The sampled methods of <see cref="All"/>, in its order (model.methods' default).</summary>
    public static IReadOnlyList<SampledMethod> Sampled { get; } = [.. All.OfType<SampledMethod>()];

    /// <summary>Other names the config accepts for this method (case and surrounding blanks are ignored).</summary>
    public virtual IReadOnlyList<string> Aliases => [];

    /// <summary>The method of <paramref name="name"/> (its name or an alias, any case), or null.</summary>
    public static Method? Find(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var n = name.Trim();
        return All.FirstOrDefault(m => m.Name.Equals(n, StringComparison.OrdinalIgnoreCase) || m.Aliases.Any(a => a.Equals(n, StringComparison.OrdinalIgnoreCase)));
    }

    /// <summary>Appends this method's training stages for one experiment; returns the chain (its last node is the model).</summary>
    internal abstract TrainingChain Append(PlanBuilder plan, ExperimentContext c);

    public sealed override string ToString() => Name;
}

/// <summary>
/// A method whose hidden layer is sampled and whose output layer is one least-squares fit (or two, A-SWIM). A variant
/// owns both data accesses of its draw: in memory (<see cref="Draw"/>) and streamed (<see cref="DrawStreamedAsync"/>).
/// </summary>
[JsonConverter(typeof(MethodJsonConverter<SampledMethod>))]
public abstract record SampledMethod(string Name) : Method(Name)
{
    /// <summary>The method whose nodes draw and fit the first hidden layer (A-SWIM: U-SWIM's, so the two share them).</summary>
    public virtual SampledMethod First => this;

    /// <summary>Seed label of the first layer's draws (<c>Rng.Derive(seed, label)</c>); SWIM's labels are SwimStages'.</summary>
    public virtual string SeedLabel => "swim";

    /// <summary>True if the draw needs the true H at the data (SWIM): data without an H column are refused.</summary>
    public virtual bool NeedsEnergy => false;

    /// <summary>
    /// True if the draw needs a bias range (ELM): the chain carries it, and without a domain or model.elm_bias the plan
    /// facts read it from the training data.
    /// </summary>
    public virtual bool NeedsBiasRange => false;

    /// <summary>
    /// The first hidden layer from in-memory training data (the run's and `hnn bench`'s draw), its weights scaled by
    /// <paramref name="weightScale"/> (model.weight_scale, docs/ALGORITHM.md §2.1a; 1 = the published sampler). With
    /// <paramref name="separable"/> (model.separable) the separable layer of <see cref="SeparableSampler"/>, scaled by its
    /// own q and p scales (<paramref name="weightScale"/> is then not used); null is the full layer, bit for bit as before.
    /// </summary>
    public abstract HiddenLayer Draw(DataSet train, int width, ulong seed, (double Low, double High)? bias, double weightScale = 1, SeparableLayer? separable = null);

    /// <summary>
    /// The first hidden layer from streamed training data (data.stream_rows): the same draw reading only the rows it
    /// needs; the SWIM family draws at most <paramref name="maxCandidates"/> candidate pairs.
    /// </summary>
    public abstract Task<HiddenLayer> DrawStreamedAsync(StreamedData data, int width, ulong seed, int maxCandidates, (double Low, double High)? bias, CancellationToken ct, double weightScale = 1, SeparableLayer? separable = null);

    /// <summary>True if a second stage follows the first fit (<see cref="Redraw"/>; A-SWIM).</summary>
    public virtual bool Redraws => false;

    /// <summary>The second stage's hidden layer from in-memory data and the first fit's H-hat at the training points.</summary>
    public virtual HiddenLayer Redraw(DataSet train, double[] firstEnergy, int width, ulong seed, double weightScale = 1, SeparableLayer? separable = null) =>
        throw new InvalidOperationException($"{Name} has no second stage");

    /// <summary>The second stage's hidden layer from streamed data and the first fit's network.</summary>
    public virtual Task<HiddenLayer> RedrawStreamedAsync(StreamedData data, Network first, int width, ulong seed, int maxCandidates, CancellationToken ct, double weightScale = 1, SeparableLayer? separable = null) =>
        throw new InvalidOperationException($"{Name} has no second stage");

    /// <summary>The method as `hnn bench` names its row (A-SWIM: with a cheaper first stage, that stage's fractions).</summary>
    public virtual string Describe(ModelSpec model) => Name;

    /// <summary>The key parameters the data access adds to the first sample (ELM: its bias range).</summary>
    internal virtual IEnumerable<KeyValuePair<string, string>> SampleParameters(ExperimentContext c) =>
        c.Data.Streamed ? [new("candidates", Canon.Of(c.CandidateCap))] : [];

    /// <summary>model.weight_scale in a draw's key: only when it is not 1, so every earlier key is unchanged.</summary>
    internal static IEnumerable<KeyValuePair<string, string>> WeightScaleParameters(double weightScale) =>
        weightScale == WeightScale.Default ? [] : [new("weight_scale", Canon.Of(weightScale))];

    /// <summary>
    /// The layer's shape and scales in a draw's key: model.weight_scale as <see cref="WeightScaleParameters"/> when the
    /// layer is not separable (so every earlier key is unchanged); with model.separable, separable = true and both scales.
    /// </summary>
    internal static IEnumerable<KeyValuePair<string, string>> LayerParameters(ModelSpec model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return model.Separable is { } s
            ? [new("separable", "true"), new("weight_scale_q", Canon.Of(s.QScale)), new("weight_scale_p", Canon.Of(s.PScale))]
            : WeightScaleParameters(model.WeightScale);
    }

    internal override TrainingChain Append(PlanBuilder plan, ExperimentContext c)
    {
        var (firstWidth, firstRows) = FirstStage(c);
        List<KeyValuePair<string, string>> rows = firstRows is { } r ? [new("rows", Canon.Of(r))] : [];
        (double Low, double High)? bias = NeedsBiasRange ? c.ElmBias : null;
        var (seed, cap, scale, separable) = (c.ModelSeed, c.CandidateCap, c.Spec.Model.WeightScale, c.Spec.Model.Separable);
        var sample = plan.Node(StageCatalog.Sample, c.Label,
        [
            new("method", First.Name),
            new("width", Canon.Of(firstWidth)),
            new("seed", Canon.Of(c.ModelSeed)),
            .. SampleParameters(c),
            .. rows,
            .. LayerParameters(c.Spec.Model),
        ], [c.Data.Node], async (run, inputs) =>
        {
            // The data access is the data node's value: in memory (A-SWIM's cheaper first stage: its first rows) or streamed.
            var data = (ExperimentData)inputs[0]!;
            return data.Stream is { } stream
                ? await DrawStreamedAsync(stream, firstWidth, seed, cap, bias, run.Ct, scale, separable).ConfigureAwait(false)
                : Draw(firstRows is { } n ? PipelineRunner.FirstStageData(data.Train, n) : data.Train, firstWidth, seed, bias, scale, separable);
        });
        var fit = plan.Node(StageCatalog.Fit, c.Label, [.. c.FitParameters, .. rows], [sample, c.Data.Node],
            async (run, inputs) => await run.FitAsync((HiddenLayer)inputs[0]!, (ExperimentData)inputs[1]!, firstRows).ConfigureAwait(false));
        return Second(plan, c, new SampledChain(this, firstWidth, firstRows, bias, sample, fit, null, null));
    }

    /// <summary>The first stage's width and (when it is fit on fewer rows) its row count.</summary>
    internal virtual (int Width, int? Rows) FirstStage(ExperimentContext c) => (c.Width, null);

    /// <summary>A second stage after the first fit (A-SWIM); by default none.</summary>
    internal virtual SampledChain Second(PlanBuilder plan, ExperimentContext c, SampledChain first) => first;

    /// <summary>The SWIM family's in-memory draw: the full layer (<see cref="SwimStages.Sample"/>) or, with <paramref name="separable"/>, the separable one.</summary>
    protected static HiddenLayer Sample(double[][] x, double[]? y, int width, ulong seed, double weightScale, SeparableLayer? separable) =>
        separable is null ? SwimStages.Sample(x, y, width, seed, weightScale) : SwimStages.SampleSeparable(x, y, width, seed, separable);

    /// <summary>
    /// U-SWIM from streamed data: uniform pairs among the (capped) candidates, reading back only their 2N points (separable:
    /// after one pass over the rows that computes every candidate's |dx_q| and |dx_p|, <see cref="SubspaceDistances"/>).
    /// </summary>
    protected static async Task<HiddenLayer> UniformStreamedAsync(StreamedData data, int width, ulong seed, int maxCandidates, CancellationToken ct, double weightScale = 1, SeparableLayer? separable = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        var pairs = SwimStages.Candidates(data.TrainRows, width, seed, maxCandidates);
        if (separable is not null)
        {
            // Which pairs a subspace can use depends on |dx_q| and |dx_p|: one pass over the rows computes them for every
            // candidate (O(candidates) numbers, no point kept), then only the selected pairs' points are read back.
            var (distQ, distP) = await SubspaceDistancesAsync(data, pairs, ct).ConfigureAwait(false);
            var (q, p) = SeparableSampler.SelectUniform(distQ, distP, width, seed);
            var chosen = await data.ReadPointsAsync(pairs.PointsOf([.. q, .. p]), ct).ConfigureAwait(false);
            return SwimStages.WeightsSeparable(pairs, q, p, chosen, separable);
        }

        var selected = SwimStages.SelectUniform(pairs, width, seed);
        var points = await data.ReadPointsAsync(pairs.PointsOf(selected), ct).ConfigureAwait(false);
        return SwimStages.Weights(pairs, selected, points, weightScale);
    }

    /// <summary>Every candidate's |dx_q| and |dx_p| from one pass over the rows up to the last one a pair touches.</summary>
    private static async Task<(double[] Q, double[] P)> SubspaceDistancesAsync(StreamedData data, CandidatePairs pairs, CancellationToken ct)
    {
        // Its own method, so that the pass's events and first points are garbage once the distances are out.
        var distances = new SubspaceDistances(pairs, 2 * data.Dof);
        // One row group at a time, nothing read ahead: the work per row is a few subtractions, so read-ahead would only
        // hold more groups in memory (measured: docs/BENCHMARKS.md §6.4).
        await foreach (var chunk in data.ReadInOrderAsync(0, distances.RowsNeeded, ct).ConfigureAwait(false))
        {
            distances.Add(chunk.Start, chunk.X);
        }

        return distances.Distances();
    }

    /// <summary>SWIM probabilities from streamed data: every candidate's two points read back, y evaluated there by <paramref name="y"/>.</summary>
    protected static async Task<HiddenLayer> GradientStreamedAsync(StreamedData data, int width, ulong seed, int maxCandidates, Func<PointSubset, double[]> y, CancellationToken ct, double weightScale = 1, SeparableLayer? separable = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(y);
        var pairs = SwimStages.Candidates(data.TrainRows, width, seed, maxCandidates);
        var all = await data.ReadPointsAsync(pairs.PointsOf(), ct).ConfigureAwait(false);
        if (separable is not null)
        {
            var (q, p) = SwimStages.SelectSeparable(pairs, all, y(all), width, seed);
            return SwimStages.WeightsSeparable(pairs, q, p, all, separable);
        }

        var chosen = SwimStages.SelectGradient(pairs, all, y(all), width, seed);
        return SwimStages.Weights(pairs, chosen, all, weightScale);
    }
}

public sealed record Elm() : SampledMethod("elm")
{
    public static Elm Instance { get; } = new();

    public override string SeedLabel => "elm";

    public override bool NeedsBiasRange => true;

    public override HiddenLayer Draw(DataSet train, int width, ulong seed, (double Low, double High)? bias, double weightScale = 1, SeparableLayer? separable = null)
    {
        ArgumentNullException.ThrowIfNull(train);
        return Sample(2 * train.Dof, width, seed, bias, weightScale, separable);
    }

    /// <summary>ELM reads no data: the streamed draw is the in-memory one.</summary>
    public override Task<HiddenLayer> DrawStreamedAsync(StreamedData data, int width, ulong seed, int maxCandidates, (double Low, double High)? bias, CancellationToken ct, double weightScale = 1, SeparableLayer? separable = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        return Task.FromResult(Sample(2 * data.Dof, width, seed, bias, weightScale, separable));
    }

    private HiddenLayer Sample(int dim, int width, ulong seed, (double Low, double High)? bias, double weightScale, SeparableLayer? separable)
    {
        var (low, high) = bias ?? throw new ArgumentNullException(nameof(bias), "ELM needs its bias range");
        return separable is not null
            ? SeparableSampler.Elm(dim, width, low, high, Rng.Derive(seed, SeedLabel), separable)
            : ElmSampler.Sample(dim, width, low, high, Rng.Derive(seed, SeedLabel), weightScale);
    }

    internal override IEnumerable<KeyValuePair<string, string>> SampleParameters(ExperimentContext c) =>
        [new("bias", Canon.Of([c.ElmBias.Low, c.ElmBias.High]))];
}

public sealed record USwim() : SampledMethod("u-swim")
{
    public static USwim Instance { get; } = new();

    public override IReadOnlyList<string> Aliases => ["uswim"];

    public override HiddenLayer Draw(DataSet train, int width, ulong seed, (double Low, double High)? bias, double weightScale = 1, SeparableLayer? separable = null) =>
        Sample(train?.X ?? throw new ArgumentNullException(nameof(train)), null, width, seed, weightScale, separable);

    public override Task<HiddenLayer> DrawStreamedAsync(StreamedData data, int width, ulong seed, int maxCandidates, (double Low, double High)? bias, CancellationToken ct, double weightScale = 1, SeparableLayer? separable = null) =>
        UniformStreamedAsync(data, width, seed, maxCandidates, ct, weightScale, separable);
}

public sealed record Swim() : SampledMethod("swim")
{
    public static Swim Instance { get; } = new();

    public override bool NeedsEnergy => true;

    public override HiddenLayer Draw(DataSet train, int width, ulong seed, (double Low, double High)? bias, double weightScale = 1, SeparableLayer? separable = null) =>
        Sample(train?.X ?? throw new ArgumentNullException(nameof(train)), train.H, width, seed, weightScale, separable);

    /// <summary>y = the stored true H at every candidate's points.</summary>
    public override Task<HiddenLayer> DrawStreamedAsync(StreamedData data, int width, ulong seed, int maxCandidates, (double Low, double High)? bias, CancellationToken ct, double weightScale = 1, SeparableLayer? separable = null) =>
        GradientStreamedAsync(data, width, seed, maxCandidates, all => all.H!, ct, weightScale, separable);
}

/// <summary>
/// A-SWIM: a U-SWIM first stage (the same nodes as U-SWIM's unless model.a_swim_first makes it cheaper), then the
/// pairs resampled with probabilities from the first fit's H and a second fit.
/// </summary>
public sealed record ASwim() : SampledMethod("a-swim")
{
    public static ASwim Instance { get; } = new();

    public override IReadOnlyList<string> Aliases => ["aswim"];

    public override SampledMethod First => USwim.Instance;

    public override bool Redraws => true;

    /// <summary>The first stage: U-SWIM's draw.</summary>
    public override HiddenLayer Draw(DataSet train, int width, ulong seed, (double Low, double High)? bias, double weightScale = 1, SeparableLayer? separable = null) => USwim.Instance.Draw(train, width, seed, bias, weightScale, separable);

    public override Task<HiddenLayer> DrawStreamedAsync(StreamedData data, int width, ulong seed, int maxCandidates, (double Low, double High)? bias, CancellationToken ct, double weightScale = 1, SeparableLayer? separable = null) =>
        USwim.Instance.DrawStreamedAsync(data, width, seed, maxCandidates, bias, ct, weightScale, separable);

    /// <summary>The second stage: SWIM probabilities from the first fit's H-hat at the training points, the same candidates (seed).</summary>
    public override HiddenLayer Redraw(DataSet train, double[] firstEnergy, int width, ulong seed, double weightScale = 1, SeparableLayer? separable = null) =>
        Sample(train?.X ?? throw new ArgumentNullException(nameof(train)), firstEnergy, width, seed, weightScale, separable);

    /// <summary>The second stage from streamed data: y = H-hat of <paramref name="first"/> at every candidate's points.</summary>
    public override Task<HiddenLayer> RedrawStreamedAsync(StreamedData data, Network first, int width, ulong seed, int maxCandidates, CancellationToken ct, double weightScale = 1, SeparableLayer? separable = null)
    {
        ArgumentNullException.ThrowIfNull(first);
        return GradientStreamedAsync(data, width, seed, maxCandidates, all => first.Energy(all.X), ct, weightScale, separable);
    }

    public override string Describe(ModelSpec model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return model.ASwimFirst.IsFull
            ? Name
            : FormattableString.Invariant($"a-swim (first stage {model.ASwimFirst.TrainFraction:G3} K, {model.ASwimFirst.WidthFraction:G3} N)");
    }

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
        var (width, seed, cap, scale, separable) = (c.Width, c.ModelSeed, c.CandidateCap, c.Spec.Model.WeightScale, c.Spec.Model.Separable);
        var resample = plan.Node(StageCatalog.Resample, c.Label,
            [new("method", Name), new("width", Canon.Of(c.Width)), new("seed", Canon.Of(c.ModelSeed)), .. candidates, .. LayerParameters(c.Spec.Model)],
            [first.Fit, c.Data.Node], async (run, inputs) =>
            {
                // The second stage always uses the whole training set.
                var network = ((FitResult)inputs[0]!).Network;
                var data = (ExperimentData)inputs[1]!;
                return data.Stream is { } stream
                    ? await RedrawStreamedAsync(stream, network, width, seed, cap, run.Ct, scale, separable).ConfigureAwait(false)
                    : Redraw(data.Train, ParallelChunks.Energy(network, data.Train.X, run.Degree, run.Ct), width, seed, scale, separable);
            });
        var refit = plan.Node(StageCatalog.Fit, c.Label, c.FitParameters, [resample, c.Data.Node],
            async (run, inputs) => await run.FitAsync((HiddenLayer)inputs[0]!, (ExperimentData)inputs[1]!, null).ConfigureAwait(false));
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
        var (width, seed, anchor) = (c.Width, c.ModelSeed, c.Anchor);
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
        ], [c.Data.Node], (run, inputs) =>
        {
            // Adam's training is deterministic, so a missing loss history is restored by training again.
            var data = ((ExperimentData)inputs[0]!).Train;
            var settings = new AdamSettings(a.LearningRate, a.BatchSize, a.WeightDecay, a.Steps, LossEvery: 1) { Init = a.Init };
            var progress = ThrottledProgress.Adam(run.Log.ForContext("Stage", StageCatalog.Train.Name), run.Label, TimeSpan.FromSeconds(5));
            var r = a.InitFile is null
                ? AdamTrainer.Train(data.X, data.Dx, width, anchor, settings, seed, run.Degree, progress, run.Ct)
                : AdamTrainer.Train(data.X, data.Dx, NetworkFile.Read(a.InitFile, data.Dof), anchor, settings, run.Degree, progress, run.Ct);
            return Task.FromResult<object?>(new StageOutputs(r.Network, [(r.LossSteps, r.Loss)]));
        });
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
        var (width, seed, anchor) = (c.Width, c.ModelSeed, c.Anchor);

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
        ], [c.Data.Node], (run, inputs) =>
        {
            // HIG's training is deterministic (no time budget, the SVD on one BLAS thread), so its loss can be restored by retraining.
            var data = ((ExperimentData)inputs[0]!).Train;
            var progress = ThrottledProgress.Adam(run.Log.ForContext("Stage", StageCatalog.HigTrain.Name), run.Label, TimeSpan.FromSeconds(5));
            var r = HigTrainer.Train(data.X, data.Dx, width, anchor, h.Settings, seed, run.La.WithThreads(1), null, progress, run.Ct);
            return Task.FromResult<object?>(new StageOutputs(r.Network, [(r.LossSteps, r.Loss)]));
        });
        return new HigChain(train);
    }
}

/// <summary>
/// A method in a serialised spec (<c>validate --json</c>'s full form, the spec-golden dump): its variant's name (Elm,
/// USwim, ASwim, Swim, Adam, Hig — what the enum it replaced wrote); the config's and manifest's form is <see cref="Method.Name"/>.
/// </summary>
internal sealed class MethodJsonConverter<T> : JsonConverter<T>
    where T : Method
{
    public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var name = reader.GetString();
        return Method.All.OfType<T>().FirstOrDefault(m => m.GetType().Name == name) ?? throw new JsonException($"unknown method '{name}'");
    }

    public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(value);
        writer.WriteStringValue(value.GetType().Name);
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
