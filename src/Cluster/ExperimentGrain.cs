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

/// <summary>
/// What a silo sends back: the pipeline's own JSON of the result and stage records, the silo, and seconds; or, for an
/// internal failure the worker can describe (<see cref="IExperimentWorker.Failure"/>), that one-line description and the
/// silo's full trace, with no result (<paramref name="Json"/> empty). The failure travels as two strings, not as the
/// exception: where it happened (stage, experiment, key) is recorded beside the exception object in the silo's process
/// and would not survive the exception's serialization.
/// </summary>
[GenerateSerializer, Immutable, Alias("hnn.ExperimentOutcome")]
public sealed record ExperimentOutcome(
    [property: Id(0)] string Json,
    [property: Id(1)] string Silo,
    [property: Id(2)] double Seconds,
    [property: Id(3)] string? Failure = null,
    [property: Id(4)] string? Trace = null);

/// <summary>
/// An internal failure of an experiment on a silo, raised on the coordinator from the silo's <see cref="ExperimentOutcome"/>:
/// the message is the silo's one-line description (what failed, where: "internal failure in stage S (experiment, key K):
/// Type: message"); <see cref="ToString"/> adds the silo's full trace, so a trace file written from it holds both.
/// </summary>
public sealed class RemoteFailureException : Exception
{
    public RemoteFailureException()
    {
    }

    public RemoteFailureException(string message) : base(message)
    {
    }

    public RemoteFailureException(string message, Exception inner) : base(message, inner)
    {
    }

    public RemoteFailureException(string message, string silo, string? trace) : base(message)
    {
        Silo = silo;
        Trace = trace;
    }

    /// <summary>The silo it happened on.</summary>
    public string? Silo { get; }

    /// <summary>The silo's full trace of the exception.</summary>
    public string? Trace { get; }

    public override string ToString() => Trace is null ? base.ToString() : $"{base.ToString()}{Environment.NewLine}--- on silo {Silo}:{Environment.NewLine}{Trace}";
}

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

    /// <summary>
    /// The one-line description of an internal failure thrown by <see cref="RunAsync"/> (sent back in the outcome), or
    /// null to let the exception cross to the coordinator as thrown (bad input, cancellation, ...).
    /// </summary>
    string? Failure(Exception e) => null;
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
            string json;
            try
            {
                json = await Task.Run(() => worker.RunAsync(work, grains, ct), ct).ConfigureAwait(true);
            }
            catch (Exception e) when (worker.Failure(e) is { } failure)
            {
                log.LogError("silo {Silo}: experiment {Index} failed after {Seconds:F2} s: {Failure}", silo.SiloAddress, work.Index, sw.Elapsed.TotalSeconds, failure);
                DeactivateOnIdle();
                return new ExperimentOutcome(string.Empty, silo.SiloAddress.ToString(), sw.Elapsed.TotalSeconds, failure, e.ToString());
            }

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
