using System.Globalization;
using Hnn.Stages.Training;

namespace Hnn.Pipeline.Config;

/// <summary>
/// The peak memory a run needs, estimated from its validated config before anything is allocated, so that a run that
/// cannot fit is refused with the numbers instead of dying with an OutOfMemoryException minutes later. Every product
/// is formed in doubles (no overflow, whatever the sizes). The parts follow what the runner holds at its peak: the
/// data sets, then per experiment running at once the largest of its phases (the QR lanes' factors and blocks, the
/// reduced solve, a full-matrix solve, SWIM's candidates, Adam's batch, HIG's Jacobian, the rollouts).
/// </summary>
public sealed record MemoryEstimate(double PeakBytes, IReadOnlyList<MemoryEstimate.Part> Parts)
{
    /// <summary>Managed runtime, libraries, code and caches: measured ~80-150 MB for a small run.</summary>
    public const double BaselineBytes = 150e6;

    /// <summary>One contribution to the peak, with the setting that scales it.</summary>
    public sealed record Part(string Name, double Bytes, string Setting);

    /// <summary>Estimates <paramref name="spec"/>'s peak; <paramref name="dataFileBytes"/> is the size of data.file, if any.</summary>
    public static MemoryEstimate Of(PipelineSpec spec, long dataFileBytes = 0)
    {
        ArgumentNullException.ThrowIfNull(spec);
        const double d8 = sizeof(double);
        var dim = 2.0 * spec.Dof;
        var rowDoubles = (2 * dim) + 1; // x, x', H
        var parts = new List<Part> { new("runtime", BaselineBytes, "-") };

        // Data: the generated set and its train/test copies (in memory), or a few chunks (streamed), or a file's values.
        double data;
        if (spec.Data.Streamed)
        {
            // Row groups being written, read back by the lanes and the evaluation, and Parquet's own column buffers: about
            // ten chunks (calibrated: 20M double-pendulum points in chunks of 262144 at width 500 peaked at 0.36 GB RSS).
            data = 10.0 * spec.Data.StreamRows * rowDoubles * d8;
        }
        else if (spec.Trajectories?.Generated is { } g)
        {
            // Generated trajectories: their states (count x (steps + 1) x 2d), the target rows' x and x' (count x steps x
            // 4d) and the uniform test points, each held twice (a set and its split or a copy).
            data = 2.0 * ((g.Count * (g.Steps + 1.0) * dim) + (g.Count * (double)g.Steps * 2 * dim) + (spec.Trajectories.TestPoints * rowDoubles)) * d8;
        }
        else if (spec.Data.File is not null)
        {
            // A CSV value takes at least 2 bytes of text (digit and separator): at most 4 doubles per 8 bytes of file,
            // held twice (the parsed set and its split).
            data = 2.0 * 4.0 * dataFileBytes;
        }
        else
        {
            data = 2.0 * ((double)spec.Data.Train + spec.Data.Test) * rowDoubles * d8;
        }

        parts.Add(new Part("data", data, spec.Data.Streamed ? "data.stream_rows"
            : spec.Trajectories?.Generated is not null ? "data.trajectories.count / steps"
            : spec.Data.File is not null ? "data.file" : "data.train / data.test"));

        var n = spec.Model.Widths.Count == 0 ? 0.0 : spec.Model.Widths.Max();
        var k = spec.Trajectories?.Generated is { } gen ? gen.Count * (double)gen.Steps
            : spec.Data.File is not null ? dataFileBytes / 2.0 / Math.Max(1, rowDoubles) : spec.Data.Train;
        var cols = n + dim;
        var lanes = Math.Max(1, spec.Solver.Lanes);
        var concurrent = Math.Min(lanes, Math.Max(1, Environment.ProcessorCount));

        // Structured fit: each lane's R (cols^2) with its work copies (3 x, calibrated on Henon-Heiles at width 5000:
        // peak RSS 1.74 GB), the first block of each running lane
        // (max(chunk, cols) x cols); then the reduced problem: R, the reduced triangle and dgelsd's copy and workspace.
        var lanePhase = (lanes * 3.0 * cols * cols * d8) + (concurrent * Math.Max(spec.Solver.ChunkRows, cols) * cols * d8);
        var solvePhase = 5.0 * (n + 1) * (n + 1) * d8;
        var fit = spec.Solver.Mode == SolveMode.Full
            ? 2.0 * ((2 * spec.Dof * k) + 1) * (n + 1) * d8
            : Math.Max(lanePhase, solvePhase);

        // SWIM candidates: n_rep = ceil(N / K) per point, two indices and a probability each; A-SWIM's H-hat.
        var pairs = k * Math.Max(1, Math.Ceiling(n / Math.Max(1, k)));
        var candidates = (spec.Data.Streamed ? Math.Min(pairs, spec.Model.CandidateCap((int)n)) : pairs) * 24.0;
        var adam = spec.Adam is null ? 0 : 6.0 * Math.Min(spec.Adam.BatchSize, Math.Max(k, 1)) * n * d8;
        // HIG: a step's Jacobian (m = min(batch, K) x 2d rows, (2d + 2) N columns), dgesdd's copy of it, V^T and its
        // workspace (each at most m x columns).
        var higRows = spec.Hig is null ? 0 : Math.Min(spec.Hig.BatchSize, Math.Max(k, 1)) * dim;
        var hig = spec.Hig is null ? 0 : 4.0 * higRows * (dim + 2) * n * d8;
        var rollout = spec.Rollout is null
            ? 0
            : 4.0 * Math.Max(spec.Rollout.Initial.Count, spec.Rollout.Count) * ((double)spec.Rollout.Steps + 1) * dim * d8 * Math.Max(1, spec.Rollout.Integrators.Count);

        var perExperiment = Math.Max(Math.Max(Math.Max(fit, adam), hig), Math.Max(candidates, rollout));
        var parallel = Math.Max(1, spec.Run.Parallelism);
        parts.Add(new Part(spec.Solver.Mode == SolveMode.Full ? "full-matrix solve" : "QR factors and reduced solve", parallel * fit,
            spec.Solver.Mode == SolveMode.Full ? "solver.mode / model.widths / data.train" : "model.widths / solver.lanes"));
        if (adam > 0)
        {
            parts.Add(new Part("adam batch", parallel * adam, "adam.batch_size / model.widths"));
        }

        if (hig > 0)
        {
            parts.Add(new Part("hig Jacobian and SVD", parallel * hig, "hig.batch_size / model.widths"));
        }

        parts.Add(new Part("SWIM candidates", parallel * candidates, "data.train / model.widths"));
        if (rollout > 0)
        {
            parts.Add(new Part("rollouts", parallel * rollout, "rollout.steps / rollout.count"));
        }

        var peak = BaselineBytes + data + (parallel * perExperiment);
        return new MemoryEstimate(peak, parts);
    }

    /// <summary>The memory this process may use: the GC's limit (DOTNET_GCHeapHardLimit, a container's limit, or RAM).</summary>
    public static long AvailableBytes() => GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;

    /// <summary>Throws an <see cref="InputException"/> naming the estimate, what is available and what to change if the run cannot fit.</summary>
    public void EnsureFits(string source, long availableBytes)
    {
        if (PeakBytes <= availableBytes)
        {
            return;
        }

        var largest = Parts.Where(p => p.Setting != "-").MaxBy(p => p.Bytes)!;
        throw new InputException(string.Create(CultureInfo.InvariantCulture,
            $"{source}: the run needs an estimated {Gb(PeakBytes)} of memory at its peak ({string.Join(", ", Parts.Where(p => p.Bytes >= 1e6).Select(p => $"{p.Name} {Gb(p.Bytes)}"))}) but {Gb(availableBytes)} is available; the largest part is {largest.Name}: reduce {largest.Setting} (or run.parallelism), or give the process more memory"));
    }

    /// <summary>The estimate for a loaded spec (data.file's size read from disk) checked against this process's limit.</summary>
    public static MemoryEstimate Check(PipelineSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var fileBytes = spec.Data.File is { } f && File.Exists(f) ? new FileInfo(f).Length : 0;
        var estimate = Of(spec, fileBytes);
        estimate.EnsureFits(spec.SourcePath, AvailableBytes());
        return estimate;
    }

    /// <summary>"12.3 GB".</summary>
    public static string Gb(double bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1e9:0.##} GB");
}
