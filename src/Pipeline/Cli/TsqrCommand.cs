using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Hnn.Cluster;
using Hnn.Datasets;
using Hnn.Pipeline.Config;
using Hnn.Stages.Model;
using Hnn.Stages.Training;

namespace Hnn.Pipeline.Cli;

/// <summary>
/// <c>hnn tsqr</c>: the distributed tall-skinny QR (<see cref="Tsqr"/>) of one fit on a cluster, timed, against the
/// local structured solve of the same rows and partition (unless <c>--no-local</c>): mass-spring rows regenerated on
/// the silos from the data seed, or (<c>--data FILE</c>) the rows of a Parquet file every silo reads at the same path
/// (each lane only its row groups); a random tanh layer (seeded). Prints rows/s and GFLOP/s per silo, bytes per merge
/// level, the reduced solve's time, and whether the two networks agree bit for bit. A measurement tool (docs/BENCHMARKS.md).
/// </summary>
public static class TsqrCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr, Action<int> setExit, Func<TextWriter, bool, bool, Serilog.Core.Logger> createLogger)
    {
        ArgumentNullException.ThrowIfNull(setExit);
        ArgumentNullException.ThrowIfNull(createLogger);
        var cluster = new Option<string>("--cluster") { Description = "The cluster: localhost:PORT[,PORT...] or redis://HOST:PORT", DefaultValueFactory = _ => ClusterAddress.Default.ToString() };
        var rows = new Option<int>("--rows") { Description = "Training rows (default: 20000 generated, or every row of --data)" };
        var dataFile = new Option<string?>("--data") { Description = "A Parquet file of rows (columns q1.., p1.., dq1.., dp1.., doubles; the streamed artifact's layout) at the same absolute path on every silo, instead of generated rows" };
        var width = new Option<int>("--width") { Description = "Hidden width N (the R factors are (N + 2) square)", DefaultValueFactory = _ => 500 };
        var lanes = new Option<int>("--lanes") { Description = "Lanes (partial factors; one grain each, spread over the silos)", DefaultValueFactory = _ => 4 };
        var chunk = new Option<int>("--chunk-rows") { Description = "Rows per QR block", DefaultValueFactory = _ => 1024 };
        var cores = new Option<int>("--cores") { Description = "Cores of the local solve's budget (fixes the BLAS threads per lane: cores / lanes)", DefaultValueFactory = _ => Environment.ProcessorCount };
        var noLocal = new Option<bool>("--no-local") { Description = "Skip the local structured solve (and the equality check)" };
        var command = new Command("tsqr", "Time the distributed tall-skinny QR of one fit on a cluster against the local structured solve (a benchmark)")
        {
            cluster, rows, width, lanes, chunk, cores, noLocal, dataFile,
        };
        command.SetAction(async (pr, ct) =>
        {
            using var log = createLogger(stderr, false, false);
            try
            {
                var address = ClusterAddress.TryParse(pr.GetValue(cluster)!, out var problem) ?? throw new InputException($"--cluster: {problem}; allowed: {ClusterAddress.Allowed}");
                var (n, w, l, c, k) = (pr.GetValue(rows), pr.GetValue(width), pr.GetValue(lanes), pr.GetValue(chunk), pr.GetValue(cores));
                FileRows? file = null;
                var dof = 1;
                if (pr.GetValue(dataFile) is { } dataPath)
                {
                    if (!dataPath.EndsWith(".parquet", StringComparison.OrdinalIgnoreCase))
                    {
                        throw new InputException($"--data {dataPath}: must be a .parquet file (columns q1.., p1.., dq1.., dp1..)");
                    }

                    dof = Hnn.Pipeline.Data.DataFile.ReadLayout(dataPath).Dof;
                    file = await ParquetRowSource.DescribeAsync(dataPath, dof, null, ct).ConfigureAwait(false);
                    if (n == 0)
                    {
                        n = (int)Math.Min(file.FileRowCount, int.MaxValue / 4);
                    }
                    else if (n > file.FileRowCount)
                    {
                        throw new InputException($"--rows {n}: {dataPath} has {file.FileRowCount} rows");
                    }
                }
                else if (n == 0)
                {
                    n = 20_000;
                }

                // Each option named on its own (was one message listing all five).
                CliChecks.AtLeast("--rows", n, 2);
                CliChecks.AtLeast("--width", w, 1);
                CliChecks.AtLeast("--lanes", l, 1);
                CliChecks.AtLeast("--chunk-rows", c, 1);
                CliChecks.AtLeast("--cores", k, 1);

                var la = BlasKernel.Resolve("auto", log, out var note, out _);
                var system = SystemRegistry.Create("mass-spring");
                var data = new GeneratedRows("mass-spring", new Dictionary<string, double>(system.Parameters), [-5, -5], [5, 5], 3943, 100_000);
                var rng = new Rng(Rng.Derive(992472, "tsqr/hidden"));
                var hidden = new HiddenLayer(
                    [.. Enumerable.Range(0, 2 * dof).Select(_ => Enumerable.Range(0, w).Select(_ => rng.NextUniform(-1, 1)).ToArray())],
                    [.. Enumerable.Range(0, w).Select(_ => rng.NextUniform(-3, 3))]);
                var anchor = new Anchor(dof == 1 ? [1, 0] : new double[2 * dof], 0);
                var budget = new SolveBudget(k, 1);
                var settings = new StructuredSolveSettings(1e-13, c, l, Truncation.Default);
                var cols = w + (2 * dof);
                static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
                await stdout.WriteLineAsync(F($"tsqr: {n} rows ({(file is null ? "generated on the silos" : "read from " + file.Path)}), width {w} ({cols} columns), {l} lane(s), {c}-row blocks, {budget.LaneBlasThreads(l)} BLAS thread(s) per lane; {note}")).ConfigureAwait(false);

                using var host = await ClusterHost.ConnectAsync(address, ct).ConfigureAwait(false);
                var effective = StructuredSolve.EffectiveLanes(l, n, c);
                var job = new TsqrJob(Guid.NewGuid().ToString("N")[..8], hidden.Weights, hidden.Biases, file is null ? data : null, n, l, c, budget.LaneBlasThreads(effective), file);
                var sw = Stopwatch.StartNew();
                var (fit, m) = await Tsqr.FitAsync(ClusterHost.Client(host), job, la.WithThreads(budget.SolveBlasThreads), anchor, settings.Rcond, settings.Truncation,
                    line => stdout.WriteLine(line), ct).ConfigureAwait(false);
                var total = sw.Elapsed.TotalSeconds;
                // Flops: absorbing b rows into an n-column R costs about 2 b n^2 (dgeqrt/dtpqrt); merging two n x n
                // triangles about 2/3 n^3.
                foreach (var g in m.Lanes.GroupBy(r => r.Silo).OrderBy(g => g.Key, StringComparer.Ordinal))
                {
                    var (r, s) = (g.Sum(x => x.Rows), g.Max(x => x.Seconds));
                    await stdout.WriteLineAsync(F($"silo {g.Key}: {g.Count()} lane(s), {r} rows, {s:F3} s (slowest lane), {r / s:F0} rows/s, {2.0 * r * cols * cols / s / 1e9:F2} GFLOP/s")).ConfigureAwait(false);
                }

                for (var i = 0; i < m.Levels.Count; i++)
                {
                    var lv = m.Levels[i];
                    var what = i == m.Levels.Count - 1 ? "final R to the coordinator" : F($"merge level {i + 1}: {lv.Merges} merge(s), {lv.Seconds:F3} s");
                    await stdout.WriteLineAsync(F($"{what}: {lv.Bytes} bytes ({lv.Bytes / 1e6:F2} MB)")).ConfigureAwait(false);
                }

                await stdout.WriteLineAsync(F($"distributed: QR {m.QrSeconds:F3} s, reduced solve {m.SolveSeconds:F3} s, total {total:F3} s, rank {fit.Rank}")).ConfigureAwait(false);
                if (!pr.GetValue(noLocal))
                {
                    sw.Restart();
                    LaneAbsorber absorber;
                    if (file is null)
                    {
                        var (x, dx) = data.Rows(0, n);
                        absorber = StructuredSolve.FromArrays(hidden, x, dx, c);
                    }
                    else
                    {
                        absorber = new ParquetRowSource().Absorber(file, hidden, c); // the same reader, lanes one after another here
                    }

                    var local = await StructuredSolve.FitAsync(la, hidden, n, absorber, anchor, settings, budget, StructuredSolve.InOrder, null, null, ct).ConfigureAwait(false);
                    var same = local.Rank == fit.Rank && local.Network.Coefficients.AsSpan().SequenceEqual(fit.Network.Coefficients)
                        && BitConverter.DoubleToInt64Bits(local.Network.OutputBias) == BitConverter.DoubleToInt64Bits(fit.Network.OutputBias);
                    await stdout.WriteLineAsync(F($"local structured solve: {sw.Elapsed.TotalSeconds:F3} s ({(file is null ? "data in memory" : "file read lane by lane")}), rank {local.Rank}; networks bit-for-bit equal: {(same ? "yes" : "NO")}")).ConfigureAwait(false);
                    setExit(same ? Commands.Ok : Commands.Failure);
                    return;
                }

                setExit(Commands.Ok);
            }
            catch (InputException e)
            {
                await stderr.WriteLineAsync($"error: {e.Message}").ConfigureAwait(false);
                setExit(Commands.BadInput);
            }
            catch (TimeoutException e)
            {
                await stderr.WriteLineAsync($"error: --cluster {pr.GetValue(cluster)}: {e.Message}; start silos with 'hnn silo'").ConfigureAwait(false);
                setExit(Commands.BadInput);
            }
        });
        return command;
    }
}
