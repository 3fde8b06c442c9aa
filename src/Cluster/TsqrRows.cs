using Hnn.Stages.Model;
using Hnn.Stages.Training;

namespace Hnn.Cluster;

/// <summary>
/// Training rows in a Parquet file that every silo can open at the same absolute path (a shared directory): columns
/// q1..qd, p1..pd, dq1..dqd, dp1..dpd (the streamed artifact's and a data file's layout). Without
/// <see cref="IndexPath"/>, training row i is file row i; with it (the split artifact of the shared store: columns
/// <c>index</c>, <c>test</c>), training row i is file row Train[i], the pipeline's in-memory training set. A lane
/// reads only the row groups that hold its rows. <see cref="Bytes"/> and <see cref="FileRowCount"/> are the
/// coordinator's view of the file: a silo that sees another file refuses instead of factoring other rows.
/// </summary>
[GenerateSerializer, Immutable, Alias("hnn.FileRows")]
public sealed record FileRows(
    [property: Id(0)] string Path,
    [property: Id(1)] int Dof,
    [property: Id(2)] long Bytes,
    [property: Id(3)] long FileRowCount,
    [property: Id(4)] string? IndexPath = null);

/// <summary>
/// How a silo reads <see cref="FileRows"/>: the pipeline (src/Pipeline, which owns the Parquet reader) registers one
/// when it starts a silo, so this project reads no file format itself. The absorber takes training rows
/// [laneStart, laneEnd) in the blocks <see cref="StructuredSolve.BlockRows"/> gives, as the local solve does.
/// </summary>
public interface ITsqrRowSource
{
    /// <summary>The lane absorber over <paramref name="rows"/>; throws with a one-line reason when the file is not the coordinator's.</summary>
    LaneAbsorber Absorber(FileRows rows, HiddenLayer hidden, int chunkRows);
}
