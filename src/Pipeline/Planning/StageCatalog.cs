namespace Hnn.Pipeline.Planning;

/// <summary>
/// A stage's declaration: its name (the artifact folder in the store), its version (bumped when its output for the
/// same inputs changes, which changes every key it reaches), and the other artifacts it writes under its own key.
/// <see cref="Stored"/> is false for a stage that only names its inputs in downstream keys (<c>system</c>).
/// </summary>
public sealed record StageDecl(string Name, int Version, bool Stored = true)
{
    /// <summary>Further artifacts one computation of this stage writes under the same key (train: its loss history).</summary>
    public IReadOnlyList<string> Extra { get; init; } = [];

    /// <summary>Every artifact (stage folder) a node of this stage owns: its own, then <see cref="Extra"/>.</summary>
    public IEnumerable<string> Artifacts => Stored ? [Name, .. Extra] : [];
}

/// <summary>The stage declarations, each once: the only place a stage name or version is written.</summary>
public static class StageCatalog
{
    public static StageDecl Generate { get; } = new("generate", 1);

    public static StageDecl Load { get; } = new("load", 1);

    public static StageDecl Split { get; } = new("split", 1);

    public static StageDecl GenerateStream { get; } = new("generate-stream", 1);

    public static StageDecl Sample { get; } = new("sample", 1);

    public static StageDecl Fit { get; } = new("fit", 2);

    public static StageDecl Resample { get; } = new("resample", 1);

    public static StageDecl Evaluate { get; } = new("evaluate", 1);

    /// <summary>2: torch's default init (adam.init), torch 1.13's Adam rounding, adam.init_file. Writes its loss history as <c>loss</c> under its key.</summary>
    public static StageDecl Train { get; } = new("train", 2) { Extra = ["loss"] };

    /// <summary>The HIG-trained baseline (method hig): the network, and its loss history as <c>hig-loss</c> under its key.</summary>
    public static StageDecl HigTrain { get; } = new("hig-train", 1) { Extra = ["hig-loss"] };

    /// <summary>The true system (name and parameters): a key only, the input of the true-H rollouts.</summary>
    public static StageDecl System { get; } = new("system", 1, Stored: false);

    public static StageDecl Reference { get; } = new("reference", 1);

    public static StageDecl Rollout { get; } = new("rollout", 1);

    public static IReadOnlyList<StageDecl> All { get; } =
        [Generate, Load, Split, GenerateStream, Sample, Fit, Resample, Evaluate, Train, HigTrain, System, Reference, Rollout];

    /// <summary>Stage name -> version, for every declared stage (docs/ARCHITECTURE.md).</summary>
    public static IReadOnlyDictionary<string, int> Versions { get; } = All.ToDictionary(s => s.Name, s => s.Version, StringComparer.Ordinal);
}
