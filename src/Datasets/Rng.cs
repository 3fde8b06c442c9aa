using System.Numerics;
using System.Text;

namespace Hnn.Datasets;

/// <summary>
/// Small deterministic pseudo-random generator: xoshiro256** (Blackman &amp; Vigna) whose 256-bit state is
/// filled with four consecutive outputs of splitmix64 started at the seed. Not thread-safe; not cryptographic.
/// </summary>
/// <remarks>
/// Stability contract (other stages and cached artefacts depend on it; do not change): for a given seed the
/// sequence of <see cref="NextULong"/>, and therefore <see cref="NextDouble"/>, <see cref="NextUniform"/>,
/// <see cref="NextInt"/> and <see cref="Shuffle{T}"/>, is bit-identical on every platform and runtime.
/// <see cref="NextNormal"/> consumes the same draws everywhere but goes through <see cref="Math.Log"/>, whose
/// last bit may in principle differ between C runtimes. <see cref="Derive"/> is likewise fixed.
/// </remarks>
public sealed class Rng
{
    private const ulong Golden = 0x9E3779B97F4A7C15UL;

    private ulong _s0;
    private ulong _s1;
    private ulong _s2;
    private ulong _s3;

    /// <summary>Seeds the generator: state words s0..s3 are the first four splitmix64 outputs from <paramref name="seed"/>.</summary>
    public Rng(ulong seed)
    {
        ulong sm = seed;
        _s0 = SplitMix64(ref sm);
        _s1 = SplitMix64(ref sm);
        _s2 = SplitMix64(ref sm);
        _s3 = SplitMix64(ref sm);
    }

    /// <summary>Shorthand for <c>new Rng(Rng.Derive(seed, label))</c>.</summary>
    public Rng(ulong seed, string label)
        : this(Derive(seed, label))
    {
    }

    /// <summary>
    /// Deterministically mixes a label into a seed, giving independent-looking streams per purpose, e.g.
    /// <c>Derive(seed, "train")</c> and <c>Derive(seed, "test")</c>. Definition (fixed):
    /// h = FNV-1a-64 of the UTF-8 bytes of <paramref name="label"/>; result = M(seed XOR M(h)), where
    /// M(z) is one splitmix64 step from state z (add 0x9E3779B97F4A7C15, then the splitmix64 finaliser).
    /// </summary>
    public static ulong Derive(ulong seed, string label)
    {
        ArgumentNullException.ThrowIfNull(label);
        ulong h = 0xCBF29CE484222325UL;
        foreach (byte b in Encoding.UTF8.GetBytes(label))
        {
            h ^= b;
            h *= 0x100000001B3UL;
        }

        return Mix(seed ^ Mix(h));
    }

    /// <summary>The next 64 uniformly distributed bits (the raw xoshiro256** output).</summary>
    public ulong NextULong()
    {
        ulong result = BitOperations.RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = BitOperations.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Uniform in [0, 1) on the 2^-53 grid: (NextULong() &gt;&gt; 11) · 2^-53. One draw.</summary>
    public double NextDouble() => (NextULong() >> 11) * (1.0 / (1UL << 53));

    /// <summary>
    /// Uniform in [<paramref name="lower"/>, <paramref name="upper"/>): lower + (upper - lower) · NextDouble(),
    /// with a result that rounds up to <paramref name="upper"/> replaced by the largest double below it.
    /// Returns <paramref name="lower"/> (still consuming one draw) when the bounds are equal. One draw.
    /// </summary>
    /// <exception cref="ArgumentException">Non-finite bounds, lower &gt; upper, or a width that overflows.</exception>
    public double NextUniform(double lower, double upper)
    {
        double width = upper - lower;
        if (!double.IsFinite(lower) || !double.IsFinite(upper) || lower > upper || !double.IsFinite(width))
        {
            throw new ArgumentException(
                $"NextUniform needs finite bounds with lower <= upper and a finite width, got [{Guard.Format(lower)}, {Guard.Format(upper)}).");
        }

        double u = NextDouble();
        if (width == 0)
        {
            return lower;
        }

        double r = lower + width * u;
        return r < upper ? r : Math.BitDecrement(upper);
    }

    /// <summary>
    /// Standard normal N(0, 1) by the Marsaglia polar method: draw u, v uniform in (-1, 1) (two draws each round)
    /// until s = u² + v² is in (0, 1), return u · sqrt(-2 ln s / s). The second variate is discarded, so
    /// the generator has no hidden state beyond xoshiro's.
    /// </summary>
    public double NextNormal()
    {
        while (true)
        {
            double u = 2 * NextDouble() - 1;
            double v = 2 * NextDouble() - 1;
            double s = u * u + v * v;
            if (s > 0 && s < 1)
            {
                return u * Math.Sqrt(-2 * Math.Log(s) / s);
            }
        }
    }

    /// <summary>
    /// Uniform integer in [0, <paramref name="exclusiveMax"/>) without bias (Lemire's multiply-and-reject on the
    /// upper 32 bits of each draw).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="exclusiveMax"/> &lt;= 0.</exception>
    public int NextInt(int exclusiveMax)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(exclusiveMax, 0);
        uint range = (uint)exclusiveMax;
        ulong m = (NextULong() >> 32) * range;
        uint low = (uint)m;
        if (low < range)
        {
            uint threshold = (0u - range) % range;
            while (low < threshold)
            {
                m = (NextULong() >> 32) * range;
                low = (uint)m;
            }
        }

        return (int)(m >> 32);
    }

    /// <summary>
    /// In-place Fisher–Yates shuffle: for i = n-1 down to 1, swap item i with item <c>NextInt(i + 1)</c>.
    /// </summary>
    public void Shuffle<T>(Span<T> items)
    {
        for (int i = items.Length - 1; i > 0; i--)
        {
            int j = NextInt(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    private static ulong SplitMix64(ref ulong state)
    {
        state += Golden;
        return Finalise(state);
    }

    private static ulong Mix(ulong z) => Finalise(z + Golden);

    private static ulong Finalise(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
