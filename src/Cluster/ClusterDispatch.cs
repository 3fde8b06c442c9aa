using System.Collections.Concurrent;
using System.Globalization;
using Orleans.Runtime.Messaging;

namespace Hnn.Cluster;

/// <summary>
/// The coordinator's side of a distributed run: sends the experiments as grain calls (at most
/// <c>concurrency</c> in flight), logs each as it ends with the silo that ran it, and redoes a call whose silo went away
/// (a new grain, so it is placed on a live silo). Redoing is safe because the store is content-addressed and every
/// write atomic: what the lost silo finished is loaded, the rest computed again with the same numbers.
/// </summary>
public static class ClusterDispatch
{
    /// <summary>Attempts per call before a run fails (a silo lost each time).</summary>
    public const int MaxAttempts = 4;

    /// <summary>
    /// Runs <paramref name="work"/> and returns the outcomes in the same order. <paramref name="run"/> names the grains
    /// (unique per run); <paramref name="describe"/> labels a call in the log.
    /// </summary>
    public static async Task<IReadOnlyList<ExperimentOutcome>> RunAsync(IGrainFactory grains, string run, IReadOnlyList<ExperimentWork> work, int concurrency,
        Func<ExperimentWork, string> describe, Action<string> log, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(grains);
        ArgumentNullException.ThrowIfNull(work);
        ArgumentNullException.ThrowIfNull(describe);
        ArgumentNullException.ThrowIfNull(log);
        var outcomes = new ExperimentOutcome[work.Count];
        var perSilo = new ConcurrentDictionary<string, (int Count, double Seconds)>(StringComparer.Ordinal);
        var done = 0;
        using var gate = new SemaphoreSlim(Math.Max(1, concurrency));
        var tasks = work.Select(async (w, i) =>
        {
            await gate.WaitAsync(ct).ConfigureAwait(false);
            try
            {
                var o = await CallAsync(grains, run, w, describe(w), log, ct).ConfigureAwait(false);
                outcomes[i] = o;
                var silo = perSilo.AddOrUpdate(o.Silo, (1, o.Seconds), (_, s) => (s.Count + 1, s.Seconds + o.Seconds));
                var n = Interlocked.Increment(ref done);
                log(string.Create(CultureInfo.InvariantCulture,
                    $"cluster: {n}/{work.Count} done: {describe(w)} on silo {o.Silo} in {o.Seconds:F2} s (that silo: {silo.Count} call(s), {silo.Seconds:F1} s)"));
            }
            finally
            {
                gate.Release();
            }
        }).ToList();
        await Task.WhenAll(tasks).ConfigureAwait(false);
        foreach (var (silo, s) in perSilo.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            log(string.Create(CultureInfo.InvariantCulture, $"cluster: silo {silo}: {s.Count} call(s), {s.Seconds:F1} s of work"));
        }

        return outcomes;
    }

    /// <summary>One call, redone on a fresh grain when its silo is lost.</summary>
    private static async Task<ExperimentOutcome> CallAsync(IGrainFactory grains, string run, ExperimentWork w, string label, Action<string> log, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            ct.ThrowIfCancellationRequested();
            var grain = grains.GetGrain<IExperimentGrain>(string.Create(CultureInfo.InvariantCulture, $"{run}/{w.Variant}/{w.Index}/{attempt}"));
            try
            {
                return await grain.RunAsync(w).WaitAsync(ct).ConfigureAwait(false);
            }
            catch (Exception e) when (IsLostSilo(e) && attempt < MaxAttempts)
            {
                log($"cluster: {label}: {e.GetType().Name} ({FirstLine(e.Message)}); redoing it on another silo (attempt {attempt + 1} of {MaxAttempts})");
                await Task.Delay(TimeSpan.FromSeconds(1), ct).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Failures that say the silo (or the connection to it) went away, not that the work itself failed.</summary>
    public static bool IsLostSilo(Exception e) => e is SiloUnavailableException or ConnectionFailedException or OrleansMessageRejectionException
        or GatewayTooBusyException or TimeoutException
        || (e is OrleansException && e.InnerException is { } inner && IsLostSilo(inner));

    private static string FirstLine(string s)
    {
        var i = s.IndexOf('\n', StringComparison.Ordinal);
        return i < 0 ? s : s[..i];
    }
}
