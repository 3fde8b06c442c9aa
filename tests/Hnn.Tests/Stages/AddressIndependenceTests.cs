using Hnn.Datasets;
using Hnn.Stages.Model;
using Hnn.Stages.Sampling;
using Hnn.Stages.Training;
using Xunit;

namespace Hnn.Tests.Stages;

/// <summary>
/// The [S | U] blocks of the structured fit must be a function of their input alone. With TensorPrimitives.Tanh they
/// were not (docs/RELIABILITY.md): its bits depend on the span's address mod 64 and on the JIT tier of the framework's
/// vector code (ReadyToRun code first, its tier-1 re-JIT after a timing-dependent tier-up), so the same block came
/// out different in the last bit of a few entries, and the 2-lane pendulum fit differed run to run. Each test computes
/// the same input 8 times, at the 8 double offsets of a 64-byte line (a pinned array, so real addresses mod 64), in
/// one process (so across the tier-up too), and compares bits; both failed before the fix.
/// </summary>
public sealed class AddressIndependenceTests
{
    private static bool SameBits(ReadOnlySpan<double> a, ReadOnlySpan<double> b) =>
        a.Length == b.Length && System.Runtime.InteropServices.MemoryMarshal.AsBytes(a).SequenceEqual(System.Runtime.InteropServices.MemoryMarshal.AsBytes(b));

    [Fact]
    public void TanhDerivative_gives_the_same_bits_at_every_address()
    {
        // Moderate z with every 97th entry beyond 350 (the case that changed its vector neighbours before the fix).
        var rng = new Random(1);
        var z = new double[5000];
        for (var i = 0; i < z.Length; i++)
        {
            z[i] = i % 97 == 0 ? 400 + i : (rng.NextDouble() - 0.5) * 4;
        }

        var pinned = GC.AllocateArray<double>(z.Length + 8, pinned: true);
        double[]? first = null;
        for (var offset = 0; offset < 8; offset++)
        {
            var s = pinned.AsSpan(offset, z.Length);
            z.CopyTo(s);
            HiddenLayer.TanhDerivativeInPlace(s);
            first ??= s.ToArray();
            Assert.True(SameBits(first, s), $"1 - tanh^2 differs at offset {offset} doubles");
        }

        // And it is 1 - tanh^2: against Math.Tanh (libm), to a few ulps of 1.
        for (var i = 0; i < z.Length; i++)
        {
            var t = Math.Tanh(z[i]);
            Assert.Equal(1 - (t * t), first![i], 1e-15);
        }
    }

    [Fact]
    public void The_augmented_block_gives_the_same_bits_at_every_address()
    {
        // Single pendulum on [-2pi, 2pi] x [-1, 1], U-SWIM width 1000 (pipelines/paper/single-pendulum-small.yaml's
        // model), with every 50th neuron made 1000 times steeper (as SWIM's closest pairs give) so that large |z|
        // occurs in every column block (vector tanh rounded the entries next to one differently): it failed before the fix.
        var system = SystemRegistry.Create("single-pendulum");
        var domain = Domain.Uniform(1, new Interval(-2 * Math.PI, 2 * Math.PI), new Interval(-1, 1));
        var data = DataGenerator.Sample(system, domain, 10000, Rng.Derive(3, "data"));
        var sampled = SwimStages.Sample(data.X, null, 1000, 3);
        var weights = sampled.Weights.Select(w => w.Select((v, j) => j % 50 == 0 ? 1000 * v : v).ToArray()).ToArray();
        var hidden = new HiddenLayer(weights, [.. sampled.Biases.Select((b, j) => j % 50 == 0 ? 1000 * b : b)]);
        const int rows = 1024;
        var length = rows * (hidden.Width + 2);
        var pinned = GC.AllocateArray<double>(length + 8, pinned: true);
        double[]? first = null;
        for (var offset = 0; offset < 8; offset++)
        {
            var block = pinned.AsSpan(offset, length);
            GradientSystem.AugmentedBlock(hidden, data.X, data.Dx, 2048, rows, block);
            first ??= block.ToArray();
            Assert.True(SameBits(first, block), $"the [S | U] block differs at offset {offset} doubles");
        }
    }
}
