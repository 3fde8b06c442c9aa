using System.Globalization;
using System.Runtime.CompilerServices;
using Hnn.Cluster;
using Orleans;
using Hnn.Datasets;
using Hnn.Pipeline.Data;
using Hnn.Pipeline.Execution;
using Hnn.Pipeline.Store;
using Hnn.Stages.Model;
using Hnn.Stages.Numerics;
using Hnn.Stages.Training;
using Serilog;

namespace Hnn.Pipeline.Cli;

/// <summary>
/// <c>run.distributed_fit</c>: a pipeline's structured fit with its TSQR spread over the cluster (<see cref="Tsqr"/>),
/// run by the silo that runs the experiment. Generated streamed data are regenerated on the lanes' silos from the data
/// seed; otherwise the lanes read their rows from the shared store (<see cref="ParquetRowSource"/>). The lanes, chunk
/// rows and BLAS threads per lane are those the local fit on this machine uses (<see cref="PipelineRunner.Budget"/>),
/// so the network is the local fit's bit for bit (same BLAS library and kernel on every silo).
/// </summary>
public sealed class ClusterFit(IGrainFactory grains, ILinearAlgebra la, ILogger log) : IFitOffload
{
    public async Task<FitResult> FitAsync(FitOffloadRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (spec, hidden, rows) = (request.Spec, request.Hidden, request.Rows);
        var budget = PipelineRunner.Budget(spec).Solve;
        var lanes = StructuredSolve.EffectiveLanes(spec.Solver.Lanes, rows.Count, spec.Solver.ChunkRows);
        GeneratedRows? generated = null;
        FileRows? file = null;
        if (rows.StreamSeed is { } seed && spec.System is { } system && spec.Domain is { } domain)
        {
            generated = new GeneratedRows(system.Name, new Dictionary<string, double>(system.Parameters),
                [.. domain.Q.Select(i => i.Lower), .. domain.P.Select(i => i.Lower)], [.. domain.Q.Select(i => i.Upper), .. domain.P.Select(i => i.Upper)],
                seed, spec.Data.StreamRows);
        }
        else
        {
            file = await ParquetRowSource.DescribeAsync(rows.Path, spec.Dof, rows.SplitPath, ct).ConfigureAwait(false);
        }

        var id = request.Label.Replace('|', '/') + "#" + Guid.NewGuid().ToString("N")[..8];
        var job = new TsqrJob(id, hidden.Weights, hidden.Biases, generated, rows.Count, lanes, spec.Solver.ChunkRows, budget.LaneBlasThreads(lanes), file) { Backend = la.Name };
        var flog = log.ForContext("Stage", "fit");
        var (fit, m) = await Tsqr.FitAsync(grains, job, la.WithThreads(budget.SolveBlasThreads), request.Anchor, spec.Model.Rcond, spec.Solver.Truncation,
            line => flog.Information("{Line:l}", line), ct).ConfigureAwait(false);
        flog.Information("{Label}: distributed TSQR of {Rows:N0} rows in {Lanes} lane(s) on {Silos} silo(s): QR {Qr:F2} s, reduced solve {Solve:F2} s{Redone}",
            request.Label, rows.Count, lanes, m.Lanes.Select(r => r.Silo).Distinct().Count(), m.QrSeconds, m.SolveSeconds,
            m.Redone > 0 ? string.Create(CultureInfo.InvariantCulture, $", {m.Redone} piece(s) redone after a lost silo") : "");
        return fit;
    }
}

/// <summary>
/// A silo's reader of <see cref="FileRows"/> (registered by <c>hnn silo</c>): a lane reads only the row groups that
/// hold its rows — consecutive rows streamed into the local solve's blocks (<see cref="ParallelFit.Streamed"/>), or,
/// with a split, the rows Train[laneStart .. laneEnd) gathered into the lane's arrays (<see cref="StructuredSolve.FromArrays"/>).
/// Either way the blocks, hence the numbers, are those of the local fit over the same rows.
/// </summary>
public sealed class ParquetRowSource : ITsqrRowSource
{
    /// <summary>The coordinator's description of a Parquet file of rows (its size and row count, checked on every silo).</summary>
    public static async Task<FileRows> DescribeAsync(string path, int dof, string? splitPath, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(path);
        var full = Path.GetFullPath(path);
        var count = await ParquetTableIO.CountRowsAsync(full, ct).ConfigureAwait(false);
        return new FileRows(full, dof, new FileInfo(full).Length, count, splitPath is null ? null : Path.GetFullPath(splitPath));
    }

    public LaneAbsorber Absorber(FileRows rows, HiddenLayer hidden, int chunkRows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(hidden);
        return async (acc, laneStart, laneEnd, absorbed, ct) =>
        {
            await CheckAsync(rows, ct).ConfigureAwait(false);
            if (rows.IndexPath is null)
            {
                await ParallelFit.Streamed(hidden, (a, b, c) => ReadAsync(rows, a, b, c), chunkRows)(acc, laneStart, laneEnd, absorbed, ct).ConfigureAwait(false);
                return;
            }

            var (x, dx) = await GatherAsync(rows, laneStart, laneEnd, ct).ConfigureAwait(false);
            await StructuredSolve.FromArrays(hidden, x, dx, chunkRows)(acc, 0, laneEnd - laneStart, absorbed, ct).ConfigureAwait(false);
        };
    }

    /// <summary>Refuses a file that is not the coordinator's (another size or row count: the shared directory differs).</summary>
    private static async Task CheckAsync(FileRows rows, CancellationToken ct)
    {
        if (!File.Exists(rows.Path))
        {
            throw new InvalidOperationException($"{rows.Path}: no such file on this silo; every silo must see the data at the same absolute path (a shared directory)");
        }

        var bytes = new FileInfo(rows.Path).Length;
        var count = await ParquetTableIO.CountRowsAsync(rows.Path, ct).ConfigureAwait(false);
        if (bytes != rows.Bytes || count != rows.FileRowCount)
        {
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                $"{rows.Path}: this silo sees {bytes} bytes and {count} rows, the coordinator {rows.Bytes} bytes and {rows.FileRowCount} rows; is it the same file on every machine?"));
        }
    }

    /// <summary>The columns q.., p.. and dq.., dp.. of a table (doubles).</summary>
    private static (double[][] X, double[][] Dx) Columns(FileRows rows, Table table)
    {
        var names = DataSet.ColumnNames(rows.Dof);
        var dim = 2 * rows.Dof;
        double[] Col(string name) => table.HasColumn(name)
            ? table.Column(name)
            : throw new InvalidOperationException($"{rows.Path}: no column '{name}' (a file of rows has columns {string.Join(", ", names.Take(2 * dim))}, doubles)");
        return ([.. names.Take(dim).Select(Col)], [.. names.Skip(dim).Take(dim).Select(Col)]);
    }

    /// <summary>File rows [start, end) as consecutive chunks (one per row group, cut to the range).</summary>
    private static async IAsyncEnumerable<DataChunk> ReadAsync(FileRows rows, long start, long end, [EnumeratorCancellation] CancellationToken ct)
    {
        var file = await ParquetTableIO.OpenRowGroupsAsync(rows.Path, ct).ConfigureAwait(false);
        await using (file.ConfigureAwait(false))
        {
            for (var g = start < file.RowCount ? file.GroupOf(start) : file.GroupRows.Count; g < file.GroupRows.Count && file.GroupStart(g) < end; g++)
            {
                var (x, dx) = Columns(rows, await file.ReadGroupAsync(g, ct).ConfigureAwait(false));
                var g0 = file.GroupStart(g);
                var from = (int)(Math.Max(start, g0) - g0);
                var to = (int)(Math.Min(end, g0 + x[0].Length) - g0);
                yield return new DataChunk(g0 + from, [.. x.Select(c => c[from..to])], [.. dx.Select(c => c[from..to])], new double[to - from]);
            }
        }
    }

    /// <summary>Training rows [start, end) of a split data set: file rows Train[start .. end), each row group read once.</summary>
    private static async Task<(double[][] X, double[][] Dx)> GatherAsync(FileRows rows, int start, int end, CancellationToken ct)
    {
        var train = Codecs.ToSplit(await ParquetTableIO.ReadAsync(rows.IndexPath!, ct).ConfigureAwait(false)).Train;
        if (end > train.Length)
        {
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"{rows.IndexPath}: {train.Length} training rows, the fit asks for rows up to {end}"));
        }

        var n = end - start;
        var dim = 2 * rows.Dof;
        var x = Enumerable.Range(0, dim).Select(_ => new double[n]).ToArray();
        var dx = Enumerable.Range(0, dim).Select(_ => new double[n]).ToArray();
        var order = Enumerable.Range(0, n).OrderBy(k => train[start + k]).ToArray();
        var file = await ParquetTableIO.OpenRowGroupsAsync(rows.Path, ct).ConfigureAwait(false);
        await using (file.ConfigureAwait(false))
        {
            for (var j = 0; j < n;)
            {
                var g = file.GroupOf(train[start + order[j]]);
                var (gx, gdx) = Columns(rows, await file.ReadGroupAsync(g, ct).ConfigureAwait(false));
                var g0 = file.GroupStart(g);
                for (; j < n && train[start + order[j]] < g0 + gx[0].Length; j++)
                {
                    var (k, row) = (order[j], (int)(train[start + order[j]] - g0));
                    for (var i = 0; i < dim; i++)
                    {
                        x[i][k] = gx[i][row];
                        dx[i][k] = gdx[i][row];
                    }
                }
            }
        }

        return (x, dx);
    }
}
