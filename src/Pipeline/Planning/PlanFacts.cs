using Hnn.Datasets;
using Hnn.Pipeline.Config;
using Hnn.Pipeline.Data;
using Hnn.Stages.Sampling;

namespace Hnn.Pipeline.Planning;

/// <summary>
/// What a plan needs from outside the spec: the backend (the fit key names it), and for user files their content
/// hashes, the data file's row count and — for ELM without a domain or model.elm_bias — each training set's range.
/// <see cref="Gather"/> reads them (the only disk access of planning); tests construct them directly.
/// </summary>
public sealed record PlanFacts(bool NativeBackend)
{
    /// <summary>SHA-256 of data.file's bytes (its load key).</summary>
    public string? FileSha256 { get; init; }

    /// <summary>Rows of data.file.</summary>
    public int? FileRows { get; init; }

    /// <summary>Per data seed: [min, max] over the training set's states (ELM's default bias without a domain).</summary>
    public IReadOnlyDictionary<ulong, (double Low, double High)>? TrainRange { get; init; }

    /// <summary>SHA-256 of adam.init_file's bytes.</summary>
    public string? InitFileSha256 { get; init; }

    /// <summary>Reads the facts of <paramref name="spec"/> from its files (none for generated data without adam.init_file).</summary>
    public static PlanFacts Gather(PipelineSpec spec, bool nativeBackend)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var facts = new PlanFacts(nativeBackend);
        if (spec.Adam?.InitFile is { } init)
        {
            facts = facts with { InitFileSha256 = DataFile.ContentHash(init) };
        }

        if (spec.Data.File is not { } file)
        {
            return facts;
        }

        if (spec.Trajectories is not null)
        {
            return facts with { FileSha256 = DataFile.ContentHash(file) }; // a trajectory file: its load key
        }

        var data = DataFile.Read(file);
        facts = facts with { FileSha256 = DataFile.ContentHash(file), FileRows = data.Count };
        if (spec.Domain is not null || spec.Model.ElmBias is not null || !spec.Model.Methods.Any(m => m.NeedsBiasRange))
        {
            return facts;
        }

        // The split is a pure function of (rows, train, seed): the same one the split stage computes and stores.
        var trainCount = spec.Data.Train > 0 ? spec.Data.Train : data.Count - spec.Data.Test;
        if (trainCount < 2 || trainCount + spec.Data.Test > data.Count)
        {
            return facts; // RunPlan.Build reports it
        }

        var ranges = new Dictionary<ulong, (double, double)>();
        foreach (var seed in spec.Data.Seeds)
        {
            var (trainIdx, _) = DataSplit.Split(data.Count, trainCount, Rng.Derive(seed, "split"));
            var train = DataSplit.Take(data, trainIdx);
            ranges[seed] = (train.X.Min(c => c.Min()), train.X.Max(c => c.Max()));
        }

        return facts with { TrainRange = ranges };
    }
}
