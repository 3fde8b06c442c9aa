using System.Diagnostics;
using System.Globalization;
using Hnn.Datasets;
using Hnn.Pipeline.Execution;
using Hnn.Pipeline.Store;
using Hnn.Stages.Hdnn;
using Serilog;

namespace Hnn.Pipeline.Cli;

/// <summary>One trained model of an H-DNN pipeline and what was derived from it.</summary>
/// <param name="Kind">Layer type.</param>
/// <param name="Seed">Seed of the data, the initial weights and the batch order.</param>
/// <param name="TrainKey">Cache key of the training stage (also the loss stage's).</param>
/// <param name="Parameters">The trained K, b.</param>
/// <param name="Classifier">The final classifier [W, mu].</param>
/// <param name="EpochLoss">Mean outer loss per epoch.</param>
/// <param name="TrainAccuracy">Fraction of training points classified right.</param>
/// <param name="TestAccuracy">Fraction of test points classified right.</param>
/// <param name="TrainSeconds">Wall time of the training when it was computed (from the store's record when loaded).</param>
/// <param name="Sensitivity">Mean over the test points of ||dy_N / dy_j||_2, j = 0..N.</param>
/// <param name="Cached">Whether the training came from the store.</param>
public sealed record HdnnModelRun(
    HdnnKind Kind, ulong Seed, string TrainKey, HdnnParameters Parameters, double[] Classifier, double[] EpochLoss,
    double TrainAccuracy, double TestAccuracy, double? TrainSeconds, double[] Sensitivity, bool Cached);

/// <summary>What an H-DNN pipeline produced: the data per seed, one run per model and seed, and stage counts.</summary>
public sealed record HdnnOutcome(
    HdnnPipelineSpec Spec, IReadOnlyDictionary<ulong, Classification2D> Data, IReadOnlyList<HdnnModelRun> Runs, int Computed, int Cached)
{
    /// <summary>Every artifact the pipeline read or wrote (stage, key), in order: what `hnn clean` must keep for it.</summary>
    public IReadOnlyList<(string Stage, string Key)> Artifacts { get; init; } = [];
}

/// <summary>
/// Runs an H-DNN pipeline through the artifact store, stage by stage, each stage keyed like every other stage
/// (<see cref="CacheKey"/>: stage, version, parameters, input keys) so that a rerun loads instead of recomputing:
/// <c>hdnn-data</c> (the seeded benchmark, per seed), <c>hdnn-train</c> (K, b and the classifier, per model and seed,
/// input: the data key), <c>hdnn-loss</c> (the epoch losses, same key), <c>hdnn-evaluate</c> (train/test accuracy,
/// input: the train key) and <c>hdnn-sensitivity</c> (the mean spectral norm of dy_N/dy_j per layer over the test points).
/// </summary>
public static class HdnnPipeline
{
    /// <summary>Stage versions: bump one when its computation changes, so that old artifacts are not reused.</summary>
    public static IReadOnlyDictionary<string, int> StageVersions { get; } = new Dictionary<string, int>(StringComparer.Ordinal)
    {
        ["hdnn-data"] = 1,
        ["hdnn-train"] = 1,
        ["hdnn-loss"] = 1,
        ["hdnn-evaluate"] = 1,
        ["hdnn-sensitivity"] = 1,
    };

    /// <summary>Features of the embedded data (the reference's nf = 4).</summary>
    public const int Nf = 4;

    public static async Task<HdnnOutcome> RunAsync(HdnnPipelineSpec spec, string store, ILogger log, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(log);
        var artifacts = new ArtifactStore(store, message => log.Warning("{Message}", message));
        using var lease = artifacts.AcquireRunLease();
        var counts = new Counts();
        var data = new Dictionary<ulong, Classification2D>();
        var runs = new List<HdnnModelRun>();
        foreach (var seed in spec.Seeds)
        {
            var dataKey = CacheKey.Compute("hdnn-data", StageVersions["hdnn-data"],
            [
                new("dataset", spec.Dataset),
                new("points", CacheKey.Canon(spec.Points)),
                new("nf", CacheKey.Canon(Nf)),
                new("seed", seed.ToString(CultureInfo.InvariantCulture)),
            ], []);
            var set = await CachedAsync(artifacts, "hdnn-data", dataKey, $"{spec.Dataset} seed {seed}",
                () => Classification2DGenerators.Generate(spec.Dataset, spec.Points, Nf, new Rng(seed, "hdnn-data-" + spec.Dataset)),
                EncodeData, t => DecodeData(t, spec.Dataset), counts, log, ct).ConfigureAwait(false);
            data[seed] = set;
            var (trainX, trainLabels) = set.Train;
            var (testX, testLabels) = set.Test;
            foreach (var kind in spec.Kinds())
            {
                ct.ThrowIfCancellationRequested();
                var settings = spec.Settings(kind, seed);
                var label = $"{kind} seed {seed}";
                var trainKey = CacheKey.Compute("hdnn-train", StageVersions["hdnn-train"], TrainParameters(settings), [dataKey]);
                HdnnTrainingResult? trained = null;
                HdnnTrainingResult Train() => trained ??= HdnnTrainer.Train(settings, trainX, trainLabels, testX, testLabels);
                var cachedBefore = counts.Cached;
                var (parameters, classifier) = await CachedAsync(artifacts, "hdnn-train", trainKey, label,
                    () => (Train().Parameters, Train().Classifier),
                    p => EncodeNetwork(p.Item1, p.Item2), t => DecodeNetwork(t, settings.Architecture()), counts, log, ct).ConfigureAwait(false);
                var wasCached = counts.Cached > cachedBefore;
                // One training gives both artifacts; a missing loss alone is restored by retraining (deterministic).
                var loss = await CachedAsync(artifacts, "hdnn-loss", trainKey, label,
                    () => Train().EpochLoss.ToArray(),
                    l => new Table([new TableColumn("epoch", Enumerable.Range(1, l.Length).ToArray()), new TableColumn("loss", l)]),
                    t => t.Column("loss"), counts, log, ct).ConfigureAwait(false);
                var evaluateKey = CacheKey.Compute("hdnn-evaluate", StageVersions["hdnn-evaluate"], [], [trainKey]);
                var accuracy = await CachedAsync(artifacts, "hdnn-evaluate", evaluateKey, label,
                    () => (LinearClassifier.Accuracy(classifier, HdnnForward.Output(parameters, trainX, trainLabels.Length), trainLabels, trainLabels.Length),
                        LinearClassifier.Accuracy(classifier, HdnnForward.Output(parameters, testX, testLabels.Length), testLabels, testLabels.Length)),
                    a => Table.FromDoubles([("train_accuracy", [a.Item1]), ("test_accuracy", [a.Item2])]),
                    t => (t.Column("train_accuracy")[0], t.Column("test_accuracy")[0]), counts, log, ct).ConfigureAwait(false);
                var sensitivityKey = CacheKey.Compute("hdnn-sensitivity", StageVersions["hdnn-sensitivity"], [new("points", "test")], [trainKey]);
                var norms = await CachedAsync(artifacts, "hdnn-sensitivity", sensitivityKey, label,
                    () => BackwardSensitivity.MeanSpectralNorms(parameters, testX, testLabels.Length),
                    n => new Table([new TableColumn("layer", Enumerable.Range(0, n.Length).ToArray()), new TableColumn("norm", n)]),
                    t => t.Column("norm"), counts, log, ct).ConfigureAwait(false);
                var seconds = artifacts.ReadComputeSeconds("hdnn-train", trainKey);
                log.Information("{Label}: train {Train:P2}, test {Test:P2}{Note}", label, accuracy.Item1, accuracy.Item2,
                    wasCached ? " (cached)" : string.Create(CultureInfo.InvariantCulture, $" in {seconds:F1} s"));
                runs.Add(new HdnnModelRun(kind, seed, trainKey, parameters, classifier, loss, accuracy.Item1, accuracy.Item2, seconds, norms, wasCached));
            }
        }

        return new HdnnOutcome(spec, data, runs, counts.Computed, counts.Cached) { Artifacts = [.. counts.Artifacts] };
    }

    /// <summary>What a training depends on besides its data: every setting of <see cref="HdnnSettings"/>.</summary>
    /// <summary>The file listing an H-DNN pipeline's artifacts: <c>&lt;store&gt;/hdnn/&lt;name&gt;/stages.json</c>.</summary>
    public static string StagesPath(string store, string name) => Path.Combine(store, "hdnn", name, "stages.json");

    /// <summary>
    /// Records the artifacts of <paramref name="outcome"/> (atomically), so that `hnn clean` keeps them: H-DNN pipelines
    /// write no run manifest, and clean removes every artifact no record references.
    /// </summary>
    public static void WriteStages(string store, string name, HdnnOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        var path = StagesPath(store, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var entries = outcome.Artifacts.Distinct().Select(a => new Dictionary<string, string> { ["stage"] = a.Stage, ["key"] = a.Key });
        Store.AtomicFile.WriteText(path, System.Text.Json.JsonSerializer.Serialize(new { pipeline = name, stages = entries }));
    }

    /// <summary>
    /// The artifact keys every H-DNN pipeline of the store recorded (<see cref="WriteStages"/>); an unreadable record is
    /// reported in <paramref name="unreadable"/> (then a clean must remove nothing).
    /// </summary>
    public static HashSet<string> RecordedKeys(string store, List<(string Path, string Error)> unreadable)
    {
        ArgumentNullException.ThrowIfNull(unreadable);
        var keys = new HashSet<string>(StringComparer.Ordinal);
        var root = Path.Combine(store, "hdnn");
        if (!Directory.Exists(root))
        {
            return keys;
        }

        foreach (var dir in Directory.GetDirectories(root).Order(StringComparer.Ordinal))
        {
            var path = Path.Combine(dir, "stages.json");
            if (!File.Exists(path))
            {
                continue;
            }

            try
            {
                using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(path));
                foreach (var e in doc.RootElement.GetProperty("stages").EnumerateArray())
                {
                    keys.Add(e.GetProperty("key").GetString() ?? throw new FormatException("a stage entry has no key"));
                }
            }
            catch (Exception e) when (e is System.Text.Json.JsonException or FormatException or KeyNotFoundException or InvalidOperationException or IOException)
            {
                unreadable.Add((path, e.Message));
            }
        }

        return keys;
    }

    public static List<KeyValuePair<string, string>> TrainParameters(HdnnSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return
        [
            new("kind", settings.Kind.ToString()),
            new("nf", CacheKey.Canon(settings.Nf)),
            new("layers", CacheKey.Canon(settings.Layers)),
            new("t_end", CacheKey.Canon(settings.TEnd)),
            new("epochs", CacheKey.Canon(settings.Epochs)),
            new("learning_rate", CacheKey.Canon(settings.LearningRate)),
            new("batch_size", CacheKey.Canon(settings.BatchSize)),
            new("alpha", CacheKey.Canon(settings.Alpha)),
            new("alpha_c", CacheKey.Canon(settings.ClassifierRidge)),
            new("inner_steps", CacheKey.Canon(settings.InnerSteps)),
            new("bias_correction_by_epoch", settings.BiasCorrectionByEpoch ? "true" : "false"),
            new("seed", settings.Seed.ToString(CultureInfo.InvariantCulture)),
        ];
    }

    private sealed class Counts
    {
        public int Computed { get; set; }

        public int Cached { get; set; }

        public List<(string Stage, string Key)> Artifacts { get; } = [];
    }

    private static async Task<T> CachedAsync<T>(
        ArtifactStore store, string stage, string key, string label, Func<T> compute, Func<T, Table> encode, Func<Table, T> decode,
        Counts counts, ILogger log, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        lock (counts.Artifacts)
        {
            counts.Artifacts.Add((stage, key));
        }

        var cached = await store.TryReadAsync(stage, key, ct).ConfigureAwait(false);
        if (cached is not null)
        {
            counts.Cached++;
            log.Debug("{Stage} {Label}: cached {Key}", stage, label, key);
            return decode(cached);
        }

        var sw = Stopwatch.StartNew();
        var value = await Task.Run(compute, ct).ConfigureAwait(false);
        var seconds = sw.Elapsed.TotalSeconds;
        var table = encode(value);
        await store.WriteAsync(stage, key, table.WithMetadata(new Dictionary<string, string>(table.Metadata) { ["hnn.stage"] = stage }), ct).ConfigureAwait(false);
        store.WriteComputeSeconds(stage, key, seconds);
        counts.Computed++;
        log.Debug("{Stage} {Label}: computed {Key} in {Seconds:F2} s", stage, label, key, seconds);
        return value;
    }

    private static Table EncodeData(Classification2D data)
    {
        var columns = new List<TableColumn>();
        for (var c = 0; c < data.Nf; c++)
        {
            var column = new double[data.Count];
            for (var i = 0; i < data.Count; i++)
            {
                column[i] = data.X[(i * data.Nf) + c];
            }

            columns.Add(new TableColumn($"y{c}", column));
        }

        columns.Add(new TableColumn("label", data.Labels));
        var box = string.Join(",", data.Box.Select(CacheKey.Canon));
        return new Table(columns, new Dictionary<string, string>(StringComparer.Ordinal) { ["hdnn.box"] = box });
    }

    private static Classification2D DecodeData(Table t, string name)
    {
        var labels = t.Int32Column("label");
        var x = new double[labels.Length * Nf];
        for (var c = 0; c < Nf; c++)
        {
            var column = t.Column($"y{c}");
            for (var i = 0; i < labels.Length; i++)
            {
                x[(i * Nf) + c] = column[i];
            }
        }

        var box = t.Metadata["hdnn.box"].Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        return new Classification2D(name, x, labels, Nf, box);
    }

    /// <summary>One column: K (layer-major, row-major per layer), then b, then the classifier [W, mu].</summary>
    private static Table EncodeNetwork(HdnnParameters parameters, double[] classifier) =>
        Table.FromDoubles([("theta", [.. parameters.K, .. parameters.B, .. classifier])]);

    private static (HdnnParameters, double[]) DecodeNetwork(Table t, HdnnArchitecture architecture)
    {
        int nf = architecture.Nf, layers = architecture.Layers;
        var theta = t.Column("theta");
        int kLength = layers * nf * nf, bLength = layers * nf;
        if (theta.Length != kLength + bLength + nf + 1)
        {
            throw new InvalidDataException($"hdnn-train artifact has {theta.Length} values; {layers} layers of nf {nf} need {kLength + bLength + nf + 1}");
        }

        return (new HdnnParameters(architecture, theta[..kLength], theta[kLength..(kLength + bLength)]), theta[(kLength + bLength)..]);
    }
}
