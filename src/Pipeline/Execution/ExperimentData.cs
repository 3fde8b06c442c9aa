using Hnn.Datasets;
using Hnn.Pipeline.Data;
using Hnn.Stages.Evaluation;
using Hnn.Stages.Model;
using Hnn.Stages.Training;
using Serilog;

namespace Hnn.Pipeline.Execution;

/// <summary>
/// The data set an experiment's stages read: in memory (training and test sets) or streamed from the store
/// (<see cref="Stream"/>; then there are no in-memory sets). A stage's compute chooses its access from this value; the
/// executor's loading, caching and logging are the same for both.
/// </summary>
public sealed record ExperimentData(DataSet? InMemoryTrain, DataSet? InMemoryTest, StreamedData? Stream)
{
    public bool Streamed => Stream is not null;

    public DataSet Train => InMemoryTrain ?? throw new InvalidOperationException("the data are streamed: there is no in-memory training set");

    public DataSet Test => InMemoryTest ?? throw new InvalidOperationException("the data are streamed: there is no in-memory test set");

    /// <summary>The errors of <paramref name="network"/> on the training and the test set (the evaluate stage), in chunks on <paramref name="degree"/> cores.</summary>
    public static async Task<(ErrorMetrics Train, ErrorMetrics Test)> EvaluateAsync(Network network, ExperimentData data, int degree, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(data);
        if (data.Stream is { } s)
        {
            return (await ParallelChunks.EvaluateStreamedAsync(network, s.TrainAsync(ct), degree, ct).ConfigureAwait(false),
                await ParallelChunks.EvaluateStreamedAsync(network, s.TestAsync(ct), degree, ct).ConfigureAwait(false));
        }

        var (train, test) = (data.Train, data.Test);
        return (ParallelChunks.Evaluate(network, train.X, train.Dx, train.H, degree, ct),
            ParallelChunks.Evaluate(network, test.X, test.Dx, test.H, degree, ct));
    }
}

/// <summary>
/// What a node's compute gets from the executor at run time: the backend, the log, the cores one experiment's loops
/// may use, the node's label (for progress lines) and the cancellation; and the output-layer solve (<see cref="Fit"/>)
/// of the run (structured or full, in memory or streamed) or of `hnn bench` (timed).
/// </summary>
public sealed record NodeRun(Hnn.Stages.Numerics.ILinearAlgebra La, ILogger Log, int Degree, string Label, CancellationToken Ct)
{
    /// <summary>The fit of a hidden layer to the data (on the first <c>rows</c> training rows when given: A-SWIM's cheaper first stage).</summary>
    public Func<HiddenLayer, ExperimentData, int?, Task<FitResult>>? Fit { get; init; }

    public Task<FitResult> FitAsync(HiddenLayer hidden, ExperimentData data, int? rows) =>
        (Fit ?? throw new InvalidOperationException($"{Label}: this executor gives no fit"))(hidden, data, rows);
}
