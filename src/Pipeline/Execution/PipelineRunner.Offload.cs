using Hnn.Pipeline.Planning;

namespace Hnn.Pipeline.Execution;

/// <summary>
/// Structured fits run elsewhere (<see cref="IFitOffload"/>, <c>run.distributed_fit</c>): the executor describes where
/// the fit's training rows are in the store instead of handing over the rows.
/// </summary>
public sealed partial class PipelineRunner
{
    /// <summary>When set, every structured fit of a sampled chain runs through it (the silo's worker sets it for run.distributed_fit).</summary>
    public IFitOffload? FitOffload { get; set; }

    /// <summary>
    /// The fit's rows as stored: the streamed artifact's training rows (and its seed: they can be regenerated), or the
    /// in-memory training set as (source artifact, split artifact), its first <paramref name="rows"/> for A-SWIM's first stage.
    /// </summary>
    private FitRows RowsOf(DataNode node, ExperimentData data, int? rows)
    {
        if (data.Stream is { } stream)
        {
            return new FitRows(stream.TrainRows, stream.Path, null, node.Source.Stage == StageCatalog.GenerateStream ? node.Seed : null);
        }

        var split = node.Split ?? throw new InvalidOperationException($"{node.Source.Id}: in-memory data without a split node");
        return new FitRows(rows ?? data.Train.Count, _store.PathFor(node.Source.Stage.Name, node.Source.Key), _store.PathFor(split.Stage.Name, split.Key), null);
    }
}
