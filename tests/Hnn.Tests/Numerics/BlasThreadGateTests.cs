using Hnn.Stages.Numerics;
using Xunit;

namespace Hnn.Tests.Numerics;

public sealed class BlasThreadGateTests
{
    [Fact]
    public void No_call_ever_sees_the_thread_count_change_under_it()
    {
        // A fake library: the gate's setting, and a check inside every "call" that it stays what the call asked for
        // while the call runs (the calls sleep so that they overlap).
        var setting = 0;
        var sets = 0;
        var gate = new BlasThreadGate(t =>
        {
            Interlocked.Exchange(ref setting, t);
            Interlocked.Increment(ref sets);
        });
        var violations = 0;
        var calls = 0;
        Parallel.For(0, 200, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            var want = 1 + (i % 3);
            using (gate.Enter(want))
            {
                for (var k = 0; k < 3; k++)
                {
                    if (Volatile.Read(ref setting) != want)
                        Interlocked.Increment(ref violations);
                    Thread.SpinWait(2000);
                }

                Interlocked.Increment(ref calls);
            }
        });

        Assert.Equal(0, violations);
        Assert.Equal(200, calls);
        Assert.Equal(0, gate.InFlight);
        Assert.InRange(sets, 1, 200); // set only on a change of count, never per call when the count is unchanged
    }

    [Fact]
    public async Task Calls_with_the_current_count_overlap()
    {
        var gate = new BlasThreadGate(null);
        using var first = gate.Enter(2);
        var entered = Task.Run(() =>
        {
            using var second = gate.Enter(2);
            return gate.InFlight;
        });
        Assert.Same(entered, await Task.WhenAny(entered, Task.Delay(TimeSpan.FromSeconds(10))));
        Assert.Equal(2, await entered);
    }

    [Fact]
    public async Task A_call_with_another_count_waits_for_the_calls_in_flight()
    {
        var gate = new BlasThreadGate(null);
        var first = gate.Enter(1);
        var other = Task.Run(() =>
        {
            using var s = gate.Enter(2);
            return gate.InFlight;
        });
        var delay = Task.Delay(TimeSpan.FromMilliseconds(200));
        Assert.Same(delay, await Task.WhenAny(other, delay)); // still waiting while the first call is in flight
        first.Dispose();
        Assert.Same(other, await Task.WhenAny(other, Task.Delay(TimeSpan.FromSeconds(10))));
        Assert.Equal(1, await other);
    }

    [Fact]
    public void Zero_threads_is_rejected()
    {
        var gate = new BlasThreadGate(null);
        Assert.Throws<ArgumentOutOfRangeException>(() => gate.Enter(0));
    }
}
