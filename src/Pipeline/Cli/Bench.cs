using System.Diagnostics;
using System.Globalization;
using System.Text;
using Hnn.Datasets;
using Hnn.Pipeline.Config;
using Hnn.Pipeline.Execution;
using Hnn.Pipeline.Planning;
using Hnn.Pipeline.Store;
using Hnn.Stages.Evaluation;
using Hnn.Stages.Model;
using Hnn.Stages.Numerics;
using Hnn.Stages.Sampling;
using Hnn.Stages.Training;
using Serilog;

namespace Hnn.Pipeline.Cli;

/// <summary>
/// `hnn bench`: in one process, on the same data and hidden layers, times our training (sampling + structured
/// parallel solve; A-SWIM includes both solves) against the reference path — dgelsd on the full (2dK+1) x (N+1)
/// matrix, which is what numpy.linalg.lstsq calls — and reports medians, errors and peak RSS of each.
/// Nothing is cached: every repetition recomputes. With an export directory, the first repetition of each method also
/// writes the full least-squares systems it solved (A-SWIM: both stages) as .npy files with an index.json, so that
/// another solver (scripts/bench_numpy.py: numpy.linalg.lstsq) can be timed on exactly the same matrices.
/// </summary>
public static class Bench
{
    public sealed record Row(
        string System, int Train, int Width, string Method, int Repeats,
        double OursSeconds, double RefSeconds, double OursTestH, double RefTestH, double OursPeakGb, double RefPeakGb,
        int Lanes, int ChunkRows, double QrSeconds, double SolveSeconds, double QrGflops);

    public static async Task<int> RunAsync(string pipelinePath, IReadOnlyList<string> overrides, int repeats, bool reference, string? appendTo, TextWriter stdout, ILogger log, CancellationToken ct,
        string? exportDir = null, TimeProvider? time = null)
    {
        time ??= TimeProvider.System;
        var spec = PipelineLoader.Load(pipelinePath, overrides);
        if (exportDir is not null)
            CliChecks.OutputFolder("--export", exportDir);
        if (appendTo is not null)
            CliChecks.OutputFile("--append", appendTo);
        MemoryEstimate.Check(spec);
        var la = BlasKernel.Resolve(spec.Solver.Backend, log, out var note, out _);
        log.Information("{Note}", note);
        if (spec.System is null || spec.Domain is null)
        {
            throw new InputException($"{pipelinePath}: bench needs generated data (system and domain), not data.file");
        }

        if (spec.Data.Streamed)
        {
            throw new InputException(
                $"{pipelinePath}: data.stream_rows: {spec.Data.StreamRows} is not allowed with bench (it compares against a full-matrix solve in memory); measure a streamed pipeline with `/usr/bin/time -v hnn run`");
        }

        var system = spec.System.Build();
        var seed = spec.Data.Seeds[0];
        var modelSeed = spec.Model.Seeds[0];
        var total = spec.Data.Train + spec.Data.Test;
        var data = DataGenerator.Sample(system, spec.Domain, total, Rng.Derive(seed, "generate"));
        var (trainIdx, testIdx) = DataSplit.Split(total, spec.Data.Train, Rng.Derive(seed, "split"));
        var train = DataSplit.Take(data, trainIdx);
        var test = DataSplit.Take(data, testIdx);
        data = null!;
        var x0 = spec.Anchor.X0.ToArray();
        var anchor = new Anchor(x0, spec.Anchor.H0 ?? system.Energy(x0));
        var budget = PipelineRunner.Budget(spec);
        var lanes = ParallelFit.EffectiveLanes(spec.Solver.Lanes, train.Count, spec.Solver.ChunkRows);

        // The plan's chains (first data seed, first model seed): ours as configured; the reference's with A-SWIM's
        // first stage as published (the full-matrix solve is the published method).
        var facts = PlanFacts.Gather(spec, la.IsNative);
        var plan = RunPlan.Build(spec, facts);
        var refPlan = spec.Model.ASwimFirst.IsFull ? plan : RunPlan.Build(spec with { Model = spec.Model with { ASwimFirst = ASwimFirstStage.Full } }, facts);
        SampledChain ChainOf(RunPlan p, int width, SampledMethod method) => (SampledChain)p.Experiments.First(e =>
            e.Data == p.Data[0] && e.Width == width && e.ModelSeed == modelSeed && e.Method == method).Chain;
        var rows = new List<Row>();
        var exported = new List<object>();
        if (exportDir is not null)
            Directory.CreateDirectory(exportDir);

        foreach (var width in spec.Model.Widths)
        {
            foreach (var method in spec.Model.Methods)
            {
                ct.ThrowIfCancellationRequested();
                Network? ours = null, refNet = null;
                var oursTimes = new List<double>();
                var qrTimes = new List<double>();
                var solveTimes = new List<double>();
                var refTimes = new List<double>();
                ResetPeak();
                for (var rep = 0; rep < repeats; rep++)
                {
                    var stages = new List<string>();
                    var export = exportDir is not null && rep == 0;
                    var exportTime = new Stopwatch();
                    var sw = Stopwatch.StartNew();
                    var timings = new ParallelFit.Timings();
                    ours = await TrainAsync(ChainOf(plan, width, method), plan.Data[0].Node, train, la, log, budget.ChunkDegree,
                        (h, d, c) =>
                        {
                            if (export)
                            {
                                exportTime.Start();
                                stages.Add(ExportSystem(exportDir!, $"{method.Name}-w{width}-stage{stages.Count + 1}", GradientSystem.Full(h, d.X, d.Dx, anchor)));
                                exportTime.Stop();
                            }

                            return ParallelFit.FitAsync(la, h, d.X, d.Dx, anchor, spec.Model.Rcond, spec.Solver.ChunkRows, lanes, budget, null, c, timings, spec.Solver.Truncation);
                        }, ct).ConfigureAwait(false);
                    if (export)
                        exported.Add(new { System = system.ToString(), Method = method.Name, Width = width, spec.Model.Rcond, Stages = stages });
                    var seconds = sw.Elapsed.TotalSeconds - exportTime.Elapsed.TotalSeconds; // without writing the files
                    oursTimes.Add(seconds);
                    qrTimes.Add(timings.QrSeconds);
                    solveTimes.Add(timings.SolveSeconds);
                    log.Information("bench {Method} width {Width}: ours {Seconds:F2} s", method.Name, width, seconds);
                }

                var oursPeak = PeakGb();
                var oursErr = Evaluator.Evaluate(ours!, test.X, test.Dx, test.H).H;
                double refErr = double.NaN, refPeak = double.NaN;
                if (reference)
                {
                    var fullLa = la.WithThreads(budget.SolveBlasThreads);
                    ResetPeak();
                    for (var rep = 0; rep < repeats; rep++)
                    {
                        var sw = Stopwatch.StartNew();
                        refNet = await TrainAsync(ChainOf(refPlan, width, method), refPlan.Data[0].Node, train, la, log, budget.ChunkDegree,
                            (h, d, c) => Task.FromResult(FullDgelsd(fullLa, h, d, anchor, spec.Model.Rcond)), ct).ConfigureAwait(false);
                        refTimes.Add(sw.Elapsed.TotalSeconds);
                        log.Information("bench {Method} width {Width}: full-matrix dgelsd {Seconds:F2} s", method.Name, width, sw.Elapsed.TotalSeconds);
                    }

                    refPeak = PeakGb();
                    refErr = Evaluator.Evaluate(refNet!, test.X, test.Dx, test.H).H;
                }

                // QR flops for the K x (N + 2d) matrix: 2 m n^2 - 2 n^3 / 3 (Householder, R only).
                var n = (double)(width + (2 * train.Dof));
                var qrFlops = (2.0 * train.Count * n * n) - (2.0 * n * n * n / 3);
                var name = method.Describe(spec.Model);
                rows.Add(new Row(system.ToString(), train.Count, width, name, repeats, Median(oursTimes),
                    reference ? Median(refTimes) : double.NaN, oursErr, refErr, oursPeak, refPeak, lanes, spec.Solver.ChunkRows,
                    Median(qrTimes), Median(solveTimes), qrFlops / Median(qrTimes) / 1e9));
            }
        }

        if (exportDir is not null)
        {
            await File.WriteAllTextAsync(Path.Combine(exportDir, "index.json"), System.Text.Json.JsonSerializer.Serialize(exported, RunManifest.Json), ct).ConfigureAwait(false);
            log.Information("exported the full systems to {Dir}", Path.GetFullPath(exportDir));
        }

        var gemm = la.WithThreads(budget.SolveBlasThreads) is LapackLinearAlgebra lapack ? GemmGflops(lapack) : double.NaN;
        var md = Format(rows, la.Name, gemm, time.GetUtcNow());
        await stdout.WriteLineAsync(md).ConfigureAwait(false);
        if (appendTo is not null)
        {
            await File.AppendAllTextAsync(appendTo, md + Environment.NewLine, ct).ConfigureAwait(false);
        }

        return Commands.Ok;
    }

    /// <summary>
    /// One method's training: the plan's chain nodes, walked by the executor's <see cref="PipelineRunner.RunNodesAsync"/>
    /// (the walk a run makes) on the in-memory data, every node computed (none loaded), each fit by <paramref name="fit"/>.
    /// </summary>
    private static async Task<Network> TrainAsync(
        SampledChain chain, StageNode dataNode, DataSet train, ILinearAlgebra la, ILogger log, int degree, Func<HiddenLayer, DataSet, CancellationToken, Task<FitResult>> fit, CancellationToken ct)
    {
        var run = new NodeRun(la, log, degree, chain.Method.Name, ct)
        {
            Fit = (h, d, rows) => fit(h, rows is { } n ? PipelineRunner.FirstStageData(d.Train, n) : d.Train, ct),
        };
        var values = await PipelineRunner.RunNodesAsync(chain.Nodes, dataNode, new ExperimentData(train, null, null), run, 2 * train.Dof, new Computing()).ConfigureAwait(false);
        return ((FitResult)values[chain.Model.Id]!).Network;
    }

    /// <summary>Computes every node (bench measures the computation; nothing is loaded or stored).</summary>
    private sealed class Computing : PipelineRunner.INodeRunner
    {
        public Task<T> RunAsync<T>(StageNode node, Func<Task<T>> compute, Func<T, Table> encode, Func<Table, T> decode, string? artifact = null) => compute();
    }

    private static FitResult FullDgelsd(ILinearAlgebra la, HiddenLayer h, DataSet train, Anchor anchor, double rcond)
    {
        var system = GradientSystem.Full(h, train.X, train.Dx, anchor);
        var result = la is LapackLinearAlgebra lapack
            ? lapack.SolveLeastSquares(system.A, system.Rows, system.Cols, system.B, 1, rcond, LeastSquaresPath.Direct)
            : la.SolveLeastSquares(system.A, system.Rows, system.Cols, system.B, 1, rcond);
        return new FitResult(new Network(h, result.X[..h.Width], result.X[h.Width]), result.Rank);
    }

    /// <summary>
    /// Writes A (rows x cols, column-major) and b as &lt;name&gt;-A.npy and &lt;name&gt;-b.npy (NumPy format 1.0, float64,
    /// fortran_order) and returns the name.
    /// </summary>
    private static string ExportSystem(string dir, string name, LinearSystem system)
    {
        WriteNpy(Path.Combine(dir, name + "-A.npy"), system.A, $"({system.Rows}, {system.Cols})");
        WriteNpy(Path.Combine(dir, name + "-b.npy"), system.B, $"({system.Rows},)");
        return name;
    }

    private static void WriteNpy(string path, double[] data, string shape)
    {
        var header = $"{{'descr': '<f8', 'fortran_order': True, 'shape': {shape}, }}";
        var total = 10 + header.Length + 1;
        header += new string(' ', ((total + 63) / 64 * 64) - total) + "\n";
        using var f = File.Create(path);
        f.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0]);
        f.Write(BitConverter.GetBytes((ushort)header.Length));
        f.Write(Encoding.ASCII.GetBytes(header));
        f.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(data.AsSpan()));
    }

    /// <summary>Best of 3 dgemm rates on 2000 x 2000 matrices with all BLAS threads.</summary>
    private static double GemmGflops(LapackLinearAlgebra la, int n = 2000)
    {
        var a = new double[n * n];
        var b = new double[n * n];
        var c = new double[n * n];
        var rng = new Rng(1);
        for (var i = 0; i < a.Length; i++)
        {
            a[i] = rng.NextDouble();
            b[i] = rng.NextDouble();
        }

        var best = double.MaxValue;
        for (var r = 0; r < 3; r++)
        {
            var sw = Stopwatch.StartNew();
            la.MultiplySquare(n, a, b, c);
            best = Math.Min(best, sw.Elapsed.TotalSeconds);
        }

        return 2.0 * n * n * n / best / 1e9;
    }

    private static string Format(IReadOnlyList<Row> rows, string backend, double gemmGflops, DateTimeOffset now)
    {
        static string E(double v) => double.IsNaN(v) ? "-" : v.ToString("0.00e+00", CultureInfo.InvariantCulture);
        static string F(double v, string f) => double.IsNaN(v) ? "-" : v.ToString(f, CultureInfo.InvariantCulture);
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"Backend: {backend}; {Environment.ProcessorCount} cores; dgemm {gemmGflops:F1} GFLOP/s (n = 2000); {now:yyyy-MM-dd HH:mm} UTC");
        sb.AppendLine();
        sb.AppendLine("| system | K | N | method | runs | ours (s, median) | full dgelsd (s, median) | ratio | ours test H | dgelsd test H | ours peak RSS (GB) | dgelsd peak RSS (GB) | QR (s) | reduced solve (s) | QR GFLOP/s | QR % of dgemm |");
        sb.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var r in rows)
        {
            sb.AppendLine(CultureInfo.InvariantCulture,
                $"| {r.System} | {r.Train} | {r.Width} | {r.Method} | {r.Repeats} | {F(r.OursSeconds, "F2")} | {F(r.RefSeconds, "F2")} | {F(r.OursSeconds / r.RefSeconds, "F2")} | {E(r.OursTestH)} | {E(r.RefTestH)} | {F(r.OursPeakGb, "F2")} | {F(r.RefPeakGb, "F2")} | {F(r.QrSeconds, "F2")} | {F(r.SolveSeconds, "F2")} | {F(r.QrGflops, "F1")} | {F(100 * r.QrGflops / gemmGflops, "F0")} |");
        }

        return sb.ToString();
    }

    private static double Median(List<double> v)
    {
        if (v.Count == 0)
        {
            return double.NaN;
        }

        var s = v.Order().ToArray();
        return s.Length % 2 == 1 ? s[s.Length / 2] : (s[(s.Length / 2) - 1] + s[s.Length / 2]) / 2;
    }

    /// <summary>Resets the kernel's peak-RSS counter (VmHWM) of this process (Linux: write 5 to clear_refs).</summary>
    private static void ResetPeak()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>Peak RSS (VmHWM) in GB, or NaN where /proc is unavailable.</summary>
    public static double PeakGb()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                {
                    var kb = double.Parse(line[6..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
                    return kb / 1024 / 1024;
                }
            }
        }
        catch (IOException)
        {
        }

        return double.NaN;
    }
}
