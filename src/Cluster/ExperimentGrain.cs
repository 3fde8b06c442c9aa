using System.Diagnostics;

namespace Hnn.Cluster;

/// <summary>
/// One experiment of a run plan, as a grain call: everything a silo needs to rebuild the same plan (the pipeline file on
/// the shared file system, the overrides, the sweep variant) and where to put its artifacts (the shared store). The
/// silo checks that its plan gives the experiment the key the coordinator expects (<see cref="ExpectedKey"/>), so a
/// silo that sees a different pipeline file, data file or LAPACK backend refuses instead of computing something else.
/// </summary>
/// <param name="PipelinePath">Absolute path of the pipeline file (the same on every machine: a shared directory).</param>
/// <param name="Overrides">The <c>--set</c> overrides of the run, in order.</param>
/// <param name="Variant">Index of the sweep variant (0 without a sweep).</param>
/// <param name="StoreRoot">Absolute path of the artifact store (shared).</param>
/// <param name="Index">Index of the experiment in the plan, or <see cref="Prepare"/> for the data and true-H nodes.</param>
/// <param name="ExpectedKey">The coordinator's id (stage/key) of the experiment's evaluate node ("" for <see cref="Prepare"/>).</param>
[GenerateSerializer, Immutable, Alias("hnn.ExperimentWork")]
public sealed record ExperimentWork(
    [property: Id(0)] string PipelinePath,
    [property: Id(1)] string[] Overrides,
    [property: Id(2)] int Variant,
    [property: Id(3)] string StoreRoot,
    [property: Id(4)] int Index,
    [property: Id(5)] string ExpectedKey)
{
    /// <summary>The index of the call that computes (or loads) the plan's data nodes and true-H rollouts only.</summary>
    public const int Prepare = -1;
}

/// <summary>What a silo sends back: the pipeline's own JSON of the result and stage records, the silo, and seconds.</summary>
[GenerateSerializer, Immutable, Alias("hnn.ExperimentOutcome")]
public sealed record ExperimentOutcome(
    [property: Id(0)] string Json,
    [property: Id(1)] string Silo,
    [property: Id(2)] double Seconds);

/// <summary>Runs one experiment of a plan on the silo its key names (<see cref="TargetSiloPlacement"/>).</summary>
[Alias("hnn.IExperimentGrain")]
public interface IExperimentGrain : IGrainWithStringKey
{
    [Alias("Run")]
    Task<ExperimentOutcome> RunAsync(ExperimentWork work);
}

/// <summary>
/// What a silo does with one <see cref="ExperimentWork"/>: the pipeline (src/Pipeline) registers it when it starts a silo,
/// so this project depends on no executor internals. Returns the result as JSON.
/// </summary>
public interface IExperimentWorker
{
    /// <summary>Runs <paramref name="work"/>; <paramref name="grains"/> is the silo's grain factory (a fit may spread its TSQR over the cluster from there, <see cref="Tsqr"/>).</summary>
    Task<string> RunAsync(ExperimentWork work, IGrainFactory grains, CancellationToken ct);
}

/// <summary>How many experiments one silo runs at once (<c>hnn silo --slots</c>); the others wait their turn.</summary>
public sealed class WorkerSlots(int slots) : IDisposable
{
    public SemaphoreSlim Gate { get; } = new(Math.Max(1, slots), Math.Max(1, slots));

    public int Count { get; } = Math.Max(1, slots);

    public void Dispose() => Gate.Dispose();
}

[TargetSiloPlacement]
internal sealed class ExperimentGrain(IExperimentWorker worker, WorkerSlots slots, ILocalSiloDetails silo, IGrainFactory grains, ILogger<ExperimentGrain> log) : Grain, IExperimentGrain
{
    public async Task<ExperimentOutcome> RunAsync(ExperimentWork work)
    {
        ArgumentNullException.ThrowIfNull(work);
        var ct = CancellationToken.None;
        await slots.Gate.WaitAsync(ct).ConfigureAwait(true);
        try
        {
            var sw = Stopwatch.StartNew();
            log.LogInformation("silo {Silo}: experiment {Index} of {Pipeline} started", silo.SiloAddress, work.Index, work.PipelinePath);
            // Off the grain's scheduler: the work is long and CPU-bound (the fit's own lanes and BLAS threads). The silo's grain
            // factory from DI (not the activation's GrainFactory, which only the activation's own thread may touch).
            var json = await Task.Run(() => worker.RunAsync(work, grains, ct), ct).ConfigureAwait(true);
            log.LogInformation("silo {Silo}: experiment {Index} done in {Seconds:F2} s", silo.SiloAddress, work.Index, sw.Elapsed.TotalSeconds);
            DeactivateOnIdle();
            return new ExperimentOutcome(json, silo.SiloAddress.ToString(), sw.Elapsed.TotalSeconds);
        }
        finally
        {
            slots.Gate.Release();
        }
    }
}
