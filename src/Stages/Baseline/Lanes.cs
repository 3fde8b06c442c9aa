using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Hnn.Stages.Baseline;

/// <summary>
/// The few SIMD operations the gradient kernels need, as static members so that one kernel source is compiled
/// (specialised by the JIT) for 512-, 256- and 128-bit lanes. Loads and stores are unaligned-tolerant; the callers keep
/// their buffers 64-byte aligned because that is measurably faster.
/// </summary>
internal interface ILanes<TSelf>
    where TSelf : unmanaged, ILanes<TSelf>
{
    static abstract int Count { get; }

    static abstract TSelf Zero { get; }

    static abstract TSelf One { get; }

    static abstract TSelf Load(ref double source, nuint index);

    static abstract void Store(TSelf value, ref double destination, nuint index);

    static abstract TSelf Create(double value);

    static abstract TSelf Add(TSelf a, TSelf b);

    static abstract TSelf Subtract(TSelf a, TSelf b);

    static abstract TSelf Multiply(TSelf a, TSelf b);

    /// <summary>a * b + c, fused.</summary>
    static abstract TSelf Fma(TSelf a, TSelf b, TSelf c);

    static abstract double Sum(TSelf a);
}

/// <summary>Which lane width the kernels run with on this machine.</summary>
internal static class LaneWidth
{
    /// <summary>Widest accelerated width: 8 (AVX-512), 4 (AVX2) or 2 (SSE / NEON).</summary>
    public static int Doubles =>
        Vector512.IsHardwareAccelerated ? Vector512<double>.Count
        : Vector256.IsHardwareAccelerated ? Vector256<double>.Count
        : Vector128<double>.Count;

    /// <summary>Padding unit for neuron counts: every width's lane count divides it.</summary>
    public const int Padding = 8;
}

internal readonly struct Lanes512 : ILanes<Lanes512>
{
    private readonly Vector512<double> _v;

    private Lanes512(Vector512<double> v) => _v = v;

    public static int Count => Vector512<double>.Count;

    public static Lanes512 Zero => new(Vector512<double>.Zero);

    public static Lanes512 One => new(Vector512<double>.One);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 Load(ref double source, nuint index) => new(Vector512.LoadUnsafe(ref source, index));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Lanes512 value, ref double destination, nuint index) => value._v.StoreUnsafe(ref destination, index);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 Create(double value) => new(Vector512.Create(value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 Add(Lanes512 a, Lanes512 b) => new(a._v + b._v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 Subtract(Lanes512 a, Lanes512 b) => new(a._v - b._v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 Multiply(Lanes512 a, Lanes512 b) => new(a._v * b._v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 Fma(Lanes512 a, Lanes512 b, Lanes512 c) => new(Vector512.FusedMultiplyAdd(a._v, b._v, c._v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Sum(Lanes512 a) => Vector512.Sum(a._v);
}

internal readonly struct Lanes256 : ILanes<Lanes256>
{
    private readonly Vector256<double> _v;

    private Lanes256(Vector256<double> v) => _v = v;

    public static int Count => Vector256<double>.Count;

    public static Lanes256 Zero => new(Vector256<double>.Zero);

    public static Lanes256 One => new(Vector256<double>.One);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 Load(ref double source, nuint index) => new(Vector256.LoadUnsafe(ref source, index));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Lanes256 value, ref double destination, nuint index) => value._v.StoreUnsafe(ref destination, index);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 Create(double value) => new(Vector256.Create(value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 Add(Lanes256 a, Lanes256 b) => new(a._v + b._v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 Subtract(Lanes256 a, Lanes256 b) => new(a._v - b._v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 Multiply(Lanes256 a, Lanes256 b) => new(a._v * b._v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 Fma(Lanes256 a, Lanes256 b, Lanes256 c) => new(Vector256.FusedMultiplyAdd(a._v, b._v, c._v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Sum(Lanes256 a) => Vector256.Sum(a._v);
}

internal readonly struct Lanes128 : ILanes<Lanes128>
{
    private readonly Vector128<double> _v;

    private Lanes128(Vector128<double> v) => _v = v;

    public static int Count => Vector128<double>.Count;

    public static Lanes128 Zero => new(Vector128<double>.Zero);

    public static Lanes128 One => new(Vector128<double>.One);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes128 Load(ref double source, nuint index) => new(Vector128.LoadUnsafe(ref source, index));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Lanes128 value, ref double destination, nuint index) => value._v.StoreUnsafe(ref destination, index);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes128 Create(double value) => new(Vector128.Create(value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes128 Add(Lanes128 a, Lanes128 b) => new(a._v + b._v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes128 Subtract(Lanes128 a, Lanes128 b) => new(a._v - b._v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes128 Multiply(Lanes128 a, Lanes128 b) => new(a._v * b._v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes128 Fma(Lanes128 a, Lanes128 b, Lanes128 c) => new(Vector128.FusedMultiplyAdd(a._v, b._v, c._v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Sum(Lanes128 a) => Vector128.Sum(a._v);
}
