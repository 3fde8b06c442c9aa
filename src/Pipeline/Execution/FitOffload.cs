using Hnn.Pipeline.Config;
using Hnn.Stages.Model;
using Hnn.Stages.Training;

namespace Hnn.Pipeline.Execution;

/// <summary>
/// Where a structured fit's training rows are, so that other processes can read or regenerate them instead of
/// receiving them: training row i is row i of the Parquet file <see cref="Path"/> (the streamed artifact), or, with
/// <see cref="SplitPath"/> (the split artifact of the store), row Train[i] of it (the in-memory training set, whose
/// source artifact is <see cref="Path"/>). <see cref="StreamSeed"/>: for generated streamed data, the data seed its
/// chunks are drawn from (<see cref="Data.StreamedData.ChunkSeed"/>), so the rows can be regenerated.
/// </summary>
public sealed record FitRows(int Count, string Path, string? SplitPath, ulong? StreamSeed);

/// <summary>A structured fit to run elsewhere: the layer, the rows, the anchor and the spec whose solver settings fix it.</summary>
public sealed record FitOffloadRequest(PipelineSpec Spec, HiddenLayer Hidden, FitRows Rows, Anchor Anchor, string Label);

/// <summary>
/// Runs a pipeline's structured fits somewhere else (<c>run.distributed_fit</c>: the Orleans executor spreads the TSQR
/// over the silos, Cli/ClusterFit.cs). It must give the local fit's numbers: the same lanes, chunk rows and BLAS
/// threads per lane (<see cref="PipelineRunner.Budget"/>), the same merge tree and the same reduced solve. The executor
/// hands it every structured fit of a sampled chain (not <c>solver.mode: full</c>, not adam/hig or trajectory fits).
/// </summary>
public interface IFitOffload
{
    Task<FitResult> FitAsync(FitOffloadRequest request, CancellationToken ct);
}
