using Hnn.Stages.Evaluation;
using Hnn.Stages.Model;

namespace Hnn.Pipeline.Execution;

/// <summary>
/// Chunk-parallel wrappers around the pure per-chunk stage functions (prediction, error sums). Chunks write disjoint
/// slices or are merged in chunk order, so the results do not depend on scheduling.
/// </summary>
public static class ParallelChunks
{
    public const int DefaultChunkRows = 4096;

    /// <summary>H-hat at every point (columns <paramref name="x"/>).</summary>
    public static double[] Energy(Network network, double[][] x, int degree, CancellationToken ct, int chunkRows = DefaultChunkRows)
    {
        var k = x[0].Length;
        var h = new double[k];
        var chunks = (k + chunkRows - 1) / chunkRows;
        Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = degree, CancellationToken = ct }, c =>
        {
            var start = c * chunkRows;
            var count = Math.Min(chunkRows, k - start);
            network.Predict(x, start, count, h.AsSpan(start, count), null);
        });
        return h;
    }

    /// <summary>Relative L2 errors over all rows; chunk sums merged in chunk order (deterministic).</summary>
    public static ErrorMetrics Evaluate(Network network, double[][] x, double[][] dx, double[] h, int degree, CancellationToken ct, int chunkRows = DefaultChunkRows) =>
        Sums(network, x, dx, h, degree, ct, chunkRows).ToMetrics();

    /// <summary>
    /// <see cref="Evaluate"/> over streamed chunks (e.g. from <see cref="Data.StreamedData"/>): each chunk's sums in
    /// parallel as above, chunks merged in order while the next is read, so memory is a few chunks whatever the rows.
    /// </summary>
    public static async Task<ErrorMetrics> EvaluateStreamedAsync(Network network, IAsyncEnumerable<Data.DataChunk> chunks, int degree, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(chunks);
        var total = default(ErrorSums);
        await foreach (var c in chunks.WithCancellation(ct).ConfigureAwait(false))
        {
            total = total.Merge(Sums(network, c.X, c.Dx, c.H, degree, ct, DefaultChunkRows));
        }

        return total.ToMetrics();
    }

    private static ErrorSums Sums(Network network, double[][] x, double[][] dx, double[] h, int degree, CancellationToken ct, int chunkRows)
    {
        var k = h.Length;
        var chunks = (k + chunkRows - 1) / chunkRows;
        var sums = new ErrorSums[chunks];
        Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = degree, CancellationToken = ct }, c =>
        {
            var start = c * chunkRows;
            sums[c] = Evaluator.Sums(network, x, dx, h, start, Math.Min(chunkRows, k - start));
        });
        var total = default(ErrorSums);
        foreach (var s in sums)
        {
            total = total.Merge(s);
        }

        return total;
    }
}
