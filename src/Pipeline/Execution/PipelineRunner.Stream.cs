using System.Diagnostics;
using System.Globalization;
using Hnn.Datasets;
using Hnn.Pipeline.Config;
using Hnn.Pipeline.Data;
using Hnn.Pipeline.Planning;
using Hnn.Pipeline.Store;
using Hnn.Stages.Model;
using Hnn.Stages.Training;

namespace Hnn.Pipeline.Execution;

/// <summary>
/// The streamed data path (data.stream_rows): data generated chunk by chunk into one Parquet artifact and read back
/// from it — consecutive rows for the fit and the evaluation, rows by index for the SWIM samplers — so no stage holds
/// all of x. Train = the first data.train rows, test = the next data.test rows (the points are i.i.d.).
/// </summary>
public sealed partial class PipelineRunner
{
    /// <summary>
    /// The streamed data node: its own cache check (the artifact is larger than memory, so it is checked by its footer
    /// and read in chunks, not loaded) in the same store, with the same gate and records as every other node.
    /// </summary>
    private async Task<PreparedData> PrepareStreamedDataAsync(PipelineSpec spec, DataNode node, CancellationToken ct)
    {
        var stage = node.Source.Stage.Name;
        var key = node.Source.Key;
        var system = SystemOf(spec);
        var domain = spec.Domain!;
        var total = node.Total;
        var seed = node.Seed;
        var path = _store.PathFor(stage, key);
        var log = _log.ForContext("Stage", stage);
        var label = $"data seed {seed}";
        var gate = _gates.GetOrAdd($"{stage}/{key}", _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var sw = Stopwatch.StartNew();
            if (File.Exists(path))
            {
                // A committed artifact is complete (atomic rename); check its row count from the footer (reading the whole
                // file for its checksum would cost a full pass over data larger than memory).
                // A file copied here from another artifact is caught by its footer's binding (cheap: no data read).
                var rows = await ParquetTableIO.CountRowsAsync(path, ct).ConfigureAwait(false);
                var meta = await ParquetTableIO.ReadMetadataAsync(path, ct).ConfigureAwait(false);
                var bound = meta.TryGetValue(ArtifactStore.ArtifactMetadataKey, out var b) && b == $"{stage}/{key}";
                if (rows == total && bound)
                {
                    var original = _store.ReadComputeSeconds(stage, key)
                        ?? (meta.TryGetValue(Codecs.SecondsKey, out var v) && double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var o) ? o : 0);
                    Record(new StageRecord(stage, key, true, sw.Elapsed.TotalSeconds, original), null);
                    log.Information("{Stage} {Label}: cached {Key} ({Rows:N0} rows, computed in {Seconds:F2} s)", stage, label, key, rows, original);
                    return new PreparedData(node, null, null, new StreamedData(path, system.Dof, spec.Data.Train, spec.Data.Test));
                }

                log.Warning("{Stage} {Label}: {Path} has {Rows} rows (expected {Total}){Binding}; regenerating", stage, label, path, rows, total,
                    bound ? "" : ", and was not written as this artifact");
                _store.Delete(stage, key);
            }

            using var live = StageProgress.Begin(stage, label); // a status line while it runs, on a terminal (Cli/LiveProgress.cs)
            var progress = ThrottledProgress.Generate(log, label, total, TimeSpan.FromSeconds(5));
            var schema = DataSet.ColumnNames(system.Dof).Select(n => new ColumnSpec(n, ColumnType.Double)).ToArray();
            var writer = await _store.OpenWriterAsync(stage, key, schema,
                new Dictionary<string, string> { ["dof"] = system.Dof.ToString(CultureInfo.InvariantCulture), ["hnn.stage"] = stage }, ct).ConfigureAwait(false);
            await using (writer.ConfigureAwait(false))
            {
                await StreamedData.WriteGeneratedAsync(writer, system, domain, total, spec.Data.StreamRows, seed, Share(spec), progress, ct).ConfigureAwait(false);
                await writer.CommitAsync(ct).ConfigureAwait(false);
            }

            _store.WriteComputeSeconds(stage, key, sw.Elapsed.TotalSeconds);

            Record(new StageRecord(stage, key, false, sw.Elapsed.TotalSeconds, sw.Elapsed.TotalSeconds), null);
            log.Information("{Stage} {Label}: computed {Key} ({Rows:N0} rows in chunks of {Chunk:N0}) in {Seconds:F2} s", stage, label, key, total, spec.Data.StreamRows, sw.Elapsed.TotalSeconds);
            return new PreparedData(node, null, null, new StreamedData(path, system.Dof, spec.Data.Train, spec.Data.Test));
        }
        finally
        {
            gate.Release();
        }
    }

    private Task<FitResult> FitStreamedAsync(PipelineSpec spec, HiddenLayer hidden, StreamedData data, Hnn.Stages.Training.Anchor anchor, string label, CancellationToken ct)
    {
        var progress = ThrottledProgress.Fit(_log.ForContext("Stage", "fit"), label, TimeSpan.FromSeconds(5));
        return ParallelFit.FitStreamedAsync(_la, hidden, data.TrainRows, (a, b, c) => data.ReadAsync(a, b, c), anchor, spec.Model.Rcond,
            spec.Solver.ChunkRows, spec.Solver.Lanes, Budget(spec), progress, ct, truncation: spec.Solver.Truncation);
    }
}
