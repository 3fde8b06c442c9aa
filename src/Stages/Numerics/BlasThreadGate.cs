namespace Hnn.Stages.Numerics;

/// <summary>
/// Makes every call into OpenBLAS run under exactly the thread count its caller asked for. OpenBLAS's thread count is
/// one process-wide setting that it reads inside every BLAS call, and it splits work (so rounds) by it: dgeqrt, dtpqrt
/// and dgelsd give different last digits with 1 and 2 threads. Changing it while another thread is mid-call made
/// results depend on scheduling. The gate admits callers in arrival order; calls that want the current count run
/// together, a call that wants another count waits until every call in flight has returned, then sets the count.
/// So no call ever sees the setting change under it, and no caller waits forever (first come, first served).
/// </summary>
internal sealed class BlasThreadGate
{
    private readonly object _sync = new(); // a monitor (Wait/PulseAll), not a System.Threading.Lock
    private readonly Action<int>? _setThreads;
    private int _current;
    private int _inFlight;
    private long _nextTicket;
    private long _serving;

    /// <param name="setThreads">Sets the library's thread count; null when the library has no such setting.</param>
    public BlasThreadGate(Action<int>? setThreads)
    {
        _setThreads = setThreads;
    }

    /// <summary>Calls in flight (for tests).</summary>
    public int InFlight
    {
        get
        {
            lock (_sync)
            {
                return _inFlight;
            }
        }
    }

    /// <summary>Waits for this caller's turn, sets the thread count if no call is in flight and it differs, and enters.</summary>
    public Scope Enter(int threads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        lock (_sync)
        {
            var ticket = _nextTicket++;
            while (ticket != _serving || (_inFlight > 0 && _current != threads))
            {
                Monitor.Wait(_sync);
            }

            if (_current != threads)
            {
                _setThreads?.Invoke(threads);
                _current = threads;
            }

            _serving++;
            _inFlight++;
            Monitor.PulseAll(_sync);
        }

        return new Scope(this);
    }

    private void Exit()
    {
        lock (_sync)
        {
            _inFlight--;
            Monitor.PulseAll(_sync);
        }
    }

    /// <summary>One call's hold on the gate; dispose when the call has returned.</summary>
    public readonly struct Scope : IDisposable
    {
        private readonly BlasThreadGate? _gate;

        internal Scope(BlasThreadGate gate)
        {
            _gate = gate;
        }

        public void Dispose() => _gate?.Exit();
    }
}
