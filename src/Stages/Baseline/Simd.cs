using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Hnn.Stages.Baseline;

/// <summary>
/// The few SIMD operations the gradient kernels need, as static members so that one kernel source is compiled
/// (specialised by the JIT) for 512-, 256- and 128-bit vectors (SIMD registers; not the QR lanes of solver.lanes). Loads and stores are unaligned-tolerant; the callers keep
/// their buffers 64-byte aligned because that is measurably faster.
/// </summary>
internal interface ISimd<TSelf>
    where TSelf : unmanaged, ISimd<TSelf>
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
internal static class SimdWidth
{
    /// <summary>Widest accelerated width: 8 (AVX-512), 4 (AVX2) or 2 (SSE / NEON).</summary>
    public static int Doubles =>
        Vector512.IsHardwareAccelerated ? Vector512<double>.Count
        : Vector256.IsHardwareAccelerated ? Vector256<double>.Count
        : Vector128<double>.Count;

    /// <summary>Padding unit for neuron counts: every width's lane count divides it.</summary>
    public const int Padding = 8;
}

internal readonly struct Simd512 : ISimd<Simd512>
{
    private readonly Vector512<double> _v;

    private Simd512(Vector512<double> v) => _v = v;

    public static int Count => Vector512<double>.Count;

    public static Simd512 Zero => new(Vector512<double>.Zero);

    public static Simd512 One => new(Vector512<double>.One);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd512 Load(ref double source, nuint index) => new(Vector512.LoadUnsafe(ref source, index));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Simd512 value, ref double destination, nuint index) => value._v.StoreUnsafe(ref destination, index);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd512 Create(double value) => new(Vector512.Create(value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd512 Add(Simd512 a, Simd512 b) => new(a._v + b._v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd512 Subtract(Simd512 a, Simd512 b) => new(a._v - b._v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd512 Multiply(Simd512 a, Simd512 b) => new(a._v * b._v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd512 Fma(Simd512 a, Simd512 b, Simd512 c) => new(Vector512.FusedMultiplyAdd(a._v, b._v, c._v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Sum(Simd512 a) => Vector512.Sum(a._v);
}

internal readonly struct Simd256 : ISimd<Simd256>
{
    private readonly Vector256<double> _v;

    private Simd256(Vector256<double> v) => _v = v;

    public static int Count => Vector256<double>.Count;

    public static Simd256 Zero => new(Vector256<double>.Zero);

    public static Simd256 One => new(Vector256<double>.One);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd256 Load(ref double source, nuint index) => new(Vector256.LoadUnsafe(ref source, index));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Simd256 value, ref double destination, nuint index) => value._v.StoreUnsafe(ref destination, index);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd256 Create(double value) => new(Vector256.Create(value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd256 Add(Simd256 a, Simd256 b) => new(a._v + b._v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd256 Subtract(Simd256 a, Simd256 b) => new(a._v - b._v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd256 Multiply(Simd256 a, Simd256 b) => new(a._v * b._v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd256 Fma(Simd256 a, Simd256 b, Simd256 c) => new(Vector256.FusedMultiplyAdd(a._v, b._v, c._v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Sum(Simd256 a) => Vector256.Sum(a._v);
}

internal readonly struct Simd128 : ISimd<Simd128>
{
    private readonly Vector128<double> _v;

    private Simd128(Vector128<double> v) => _v = v;

    public static int Count => Vector128<double>.Count;

    public static Simd128 Zero => new(Vector128<double>.Zero);

    public static Simd128 One => new(Vector128<double>.One);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd128 Load(ref double source, nuint index) => new(Vector128.LoadUnsafe(ref source, index));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Simd128 value, ref double destination, nuint index) => value._v.StoreUnsafe(ref destination, index);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd128 Create(double value) => new(Vector128.Create(value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd128 Add(Simd128 a, Simd128 b) => new(a._v + b._v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd128 Subtract(Simd128 a, Simd128 b) => new(a._v - b._v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd128 Multiply(Simd128 a, Simd128 b) => new(a._v * b._v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd128 Fma(Simd128 a, Simd128 b, Simd128 c) => new(Vector128.FusedMultiplyAdd(a._v, b._v, c._v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Sum(Simd128 a) => Vector128.Sum(a._v);
}
