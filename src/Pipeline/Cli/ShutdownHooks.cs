namespace Hnn.Pipeline.Cli;

/// <summary>
/// Last words before the process stops at once (a second Ctrl-C or SIGTERM): a running command registers what must
/// not be lost — the run's manifest — and <see cref="RunAll"/> runs it on the signal's thread before the default
/// action ends the process. Hooks must be quick and must not throw.
/// </summary>
public static class ShutdownHooks
{
    private static readonly Lock Sync = new();
    private static readonly List<Action> Hooks = [];

    /// <summary>Registers <paramref name="hook"/> until the returned handle is disposed.</summary>
    public static IDisposable Register(Action hook)
    {
        ArgumentNullException.ThrowIfNull(hook);
        lock (Sync)
        {
            Hooks.Add(hook);
        }

        return new Registration(hook);
    }

    /// <summary>Runs every registered hook once (each guarded: a failing hook does not stop the others).</summary>
    public static void RunAll()
    {
        Action[] hooks;
        lock (Sync)
        {
            hooks = [.. Hooks];
            Hooks.Clear();
        }

        foreach (var hook in hooks)
        {
            try
            {
                hook();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
            {
                Console.Error.WriteLine($"warning: could not finish a shutdown step: {e.Message}");
            }
        }
    }

    private sealed class Registration(Action hook) : IDisposable
    {
        public void Dispose()
        {
            lock (Sync)
            {
                Hooks.Remove(hook);
            }
        }
    }
}
