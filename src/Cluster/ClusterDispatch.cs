using System.Collections.Concurrent;
using System.Globalization;
using Orleans.Runtime.Messaging;

namespace Hnn.Cluster;

/// <summary>
/// The coordinator's side of a distributed run. Every live silo gets <c>perSilo</c> lanes; a lane takes the next call
/// from a shared queue and sends it to its silo (<see cref="TargetSiloPlacement"/>), so a silo that is done early
/// takes more. A watchdog reads the membership every second: when a silo is declared dead (or its call fails because
/// it went away), its calls in flight go back into the queue and are redone on a live silo. Redoing is safe because
/// the store is content-addressed and every write atomic: what the lost silo finished is loaded, the rest computed
/// again with the same numbers. Each call's end is logged with its silo and that silo's totals.
/// </summary>
public static class ClusterDispatch
{
    /// <summary>Attempts per call before a run fails (a silo lost each time).</summary>
    public const int MaxAttempts = 4;

    /// <summary>How often the coordinator reads the cluster's membership while calls are in flight.</summary>
    public static readonly TimeSpan WatchPeriod = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Runs <paramref name="work"/> and returns the outcomes in the same order. <paramref name="run"/> names the grains
    /// (unique per run); <paramref name="describe"/> labels a call in the log.
    /// </summary>
    public static async Task<IReadOnlyList<ExperimentOutcome>> RunAsync(IGrainFactory grains, string run, IReadOnlyList<ExperimentWork> work, int perSilo,
        Func<ExperimentWork, string> describe, Action<string> log, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(grains);
        ArgumentNullException.ThrowIfNull(work);
        ArgumentNullException.ThrowIfNull(describe);
        ArgumentNullException.ThrowIfNull(log);
        var outcomes = new ExperimentOutcome[work.Count];
        if (work.Count == 0)
        {
            return outcomes;
        }

        var management = grains.GetGrain<IManagementGrain>(0);
        var queue = new ConcurrentQueue<(int Index, int Attempt)>(work.Select((_, i) => (i, 1)));
        var remaining = work.Count;
        var totals = new ConcurrentDictionary<SiloAddress, (int Count, double Seconds)>();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var silos = await LiveSilosAsync(management, stop.Token).ConfigureAwait(false);
        if (silos.Count == 0)
        {
            throw new InvalidOperationException("the cluster has no active silo");
        }

        var dead = silos.ToDictionary(s => s, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        var failure = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        async Task Watch()
        {
            while (!stop.IsCancellationRequested)
            {
                await Task.Delay(WatchPeriod, stop.Token).ConfigureAwait(false);
                var live = await LiveSilosAsync(management, stop.Token).ConfigureAwait(false);
                foreach (var (silo, tcs) in dead)
                {
                    if (!live.Contains(silo) && tcs.TrySetResult())
                    {
                        log($"cluster: silo {silo} left the cluster; its calls in flight are redone on other silos");
                    }
                }

                if (dead.Values.All(t => t.Task.IsCompleted))
                {
                    failure.TrySetException(new InvalidOperationException("every silo of the cluster was lost; start silos and run the same command again (finished stages are in the store)"));
                }
            }
        }

        var stopped = Task.Delay(Timeout.Infinite, stop.Token);

        async Task Lane(SiloAddress silo)
        {
            var lost = dead[silo].Task;
            while (Volatile.Read(ref remaining) > 0 && !lost.IsCompleted)
            {
                stop.Token.ThrowIfCancellationRequested();
                if (!queue.TryDequeue(out var item))
                {
                    await Task.WhenAny(Task.Delay(200, stop.Token), lost).ConfigureAwait(false);
                    continue;
                }

                var w = work[item.Index];
                var grain = grains.GetGrain<IExperimentGrain>(TargetSiloPlacement.Key(
                    string.Create(CultureInfo.InvariantCulture, $"{run}/{w.Variant}/{w.Index}/{item.Attempt}"), silo));
                var call = grain.RunAsync(w);
                string? why = null;
                try
                {
                    var ended = await Task.WhenAny(call, lost, stopped).ConfigureAwait(false);
                    stop.Token.ThrowIfCancellationRequested();
                    if (ended == call)
                    {
                        var o = await call.ConfigureAwait(false);
                        if (o.Failure is { } failed)
                        {
                            // An internal failure on the silo: the run stops, as it does locally on the first failure.
                            failure.TrySetException(new RemoteFailureException(failed, o.Silo, o.Trace));
                            return;
                        }

                        outcomes[item.Index] = o;
                        var t = totals.AddOrUpdate(silo, (1, o.Seconds), (_, s) => (s.Count + 1, s.Seconds + o.Seconds));
                        var n = work.Count - Interlocked.Decrement(ref remaining);
                        log(string.Create(CultureInfo.InvariantCulture,
                            $"cluster: {n}/{work.Count} done: {describe(w)} on silo {silo} in {o.Seconds:F2} s (that silo: {t.Count} call(s), {t.Seconds:F1} s)"));
                        continue;
                    }

                    why = "its silo left the cluster";
                    _ = call.ContinueWith(c => c.Exception, TaskScheduler.Default); // its reply (if any) is not needed
                }
                catch (Exception e) when (IsLostSilo(e))
                {
                    why = $"{e.GetType().Name}: {FirstLine(e.Message)}";
                }

                if (item.Attempt >= MaxAttempts)
                {
                    failure.TrySetException(new InvalidOperationException($"{describe(w)}: lost {MaxAttempts} times ({why}); giving up"));
                    return;
                }

                log($"cluster: {describe(w)}: {why}; redoing it on another silo (attempt {item.Attempt + 1} of {MaxAttempts})");
                queue.Enqueue((item.Index, item.Attempt + 1));
            }
        }

        var watch = Watch();
        var lanes = silos.SelectMany(s => Enumerable.Range(0, Math.Max(1, perSilo)).Select(_ => Lane(s))).ToList();
        var all = Task.WhenAll(lanes);
        try
        {
            var first = await Task.WhenAny(all, failure.Task).ConfigureAwait(false);
            await first.ConfigureAwait(false); // a failed lane or the failure surfaces here
            if (Volatile.Read(ref remaining) > 0)
            {
                throw new InvalidOperationException("every silo of the cluster was lost; start silos and run the same command again (finished stages are in the store)");
            }
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            try
            {
                await Task.WhenAll([watch, .. lanes]).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }

        foreach (var (silo, s) in totals.OrderBy(p => p.Key.ToString(), StringComparer.Ordinal))
        {
            log(string.Create(CultureInfo.InvariantCulture, $"cluster: silo {silo}: {s.Count} call(s), {s.Seconds:F1} s of work"));
        }

        return outcomes;
    }

    /// <summary>Failures that say the silo (or the connection to it) went away, not that the work itself failed.</summary>
    public static bool IsLostSilo(Exception e) => e is SiloUnavailableException or ConnectionFailedException or OrleansMessageRejectionException
        or GatewayTooBusyException or TimeoutException
        || (e is OrleansException && e.InnerException is { } inner && IsLostSilo(inner));

    private static async Task<HashSet<SiloAddress>> LiveSilosAsync(IManagementGrain management, CancellationToken ct)
    {
        var hosts = await management.GetHosts(onlyActive: true).WaitAsync(ct).ConfigureAwait(false);
        return [.. hosts.Keys];
    }

    private static string FirstLine(string s)
    {
        var i = s.IndexOf('\n', StringComparison.Ordinal);
        return i < 0 ? s : s[..i];
    }
}
