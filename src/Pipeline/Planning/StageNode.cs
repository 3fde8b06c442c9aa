using Hnn.Pipeline.Execution;

namespace Hnn.Pipeline.Planning;

/// <summary>
/// One node of a <see cref="RunPlan"/>: a declared stage applied to its key parameters and its input nodes. Its key is
/// derived here, once, from that declaration (docs/ALGORITHM.md §5: hash of stage name, version, sorted parameters and
/// the input keys in order), so no key is ever listed by hand.
/// </summary>
public sealed class StageNode
{
    public StageNode(StageDecl stage, string label, IReadOnlyList<KeyValuePair<string, string>> parameters, IReadOnlyList<StageNode> inputs)
    {
        ArgumentNullException.ThrowIfNull(stage);
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(inputs);
        Stage = stage;
        Label = label;
        Parameters = [.. parameters];
        Inputs = [.. inputs];
        Key = CacheKey.Compute(stage.Name, stage.Version, Parameters, Inputs.Select(i => i.Key));
    }

    public StageDecl Stage { get; }

    /// <summary>What the node computes, for people (log lines, <c>hnn plan</c>); not part of the key.</summary>
    public string Label { get; }

    /// <summary>The parameters that enter the key, in declaration order (the key sorts them).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Parameters { get; }

    /// <summary>The nodes whose outputs this one reads; their keys enter this key in this order.</summary>
    public IReadOnlyList<StageNode> Inputs { get; }

    public string Key { get; }

    /// <summary>
    /// The node's compute over its inputs' values (in <see cref="Inputs"/> order; a data node's value is its
    /// <see cref="ExperimentData"/>, the data access), bound when the plan is built; null for a node the executor
    /// prepares itself (the data sources and the true-H rollouts) or that is a key only.
    /// </summary>
    public NodeCompute? Compute { get; init; }

    /// <summary>Unique in a plan: stage/key (the artifact's place in the store).</summary>
    public string Id => $"{Stage.Name}/{Key}";

    public override string ToString() => $"{Id} ({Label})";
}

/// <summary>A node's compute: its output (of its declaration's type) from the executor's services and its inputs' values.</summary>
public delegate Task<object?> NodeCompute(NodeRun run, IReadOnlyList<object?> inputs);

/// <summary>
/// What one computation of a stage with further artifacts (<see cref="StageDecl.Extra"/>) gives: its own value and
/// those artifacts' values, in order (train: the network and its loss history).
/// </summary>
public sealed record StageOutputs(object? Value, IReadOnlyList<object?> Extras);
