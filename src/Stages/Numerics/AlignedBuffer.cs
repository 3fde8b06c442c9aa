using System.Runtime.InteropServices;

namespace Hnn.Stages.Numerics;

/// <summary>
/// A double buffer whose first element is 64-byte aligned (a pinned array, so the address never changes). Aligned
/// vector loads and stores make the gradient kernels measurably faster than on plain arrays; and every buffer handed
/// to LAPACK is one of these, because some OpenBLAS kernels (Prescott, SSE3) peel an unaligned head and so sum in an
/// order that depends on the address mod 16: measured, the same dgelsd gives different bits at offsets 0 and 8 bytes
/// there (Haswell and SkylakeX do not). A .NET array's data are only 8-byte aligned, and the GC moves arrays.
/// </summary>
internal sealed class AlignedBuffer
{
    private const int AlignmentBytes = 64;
    private readonly double[] _array;
    private readonly int _offset;

    public AlignedBuffer(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        _array = GC.AllocateArray<double>(length + (AlignmentBytes / sizeof(double)), pinned: true);
        var address = Marshal.UnsafeAddrOfPinnedArrayElement(_array, 0).ToInt64();
        _offset = (int)((AlignmentBytes - (address % AlignmentBytes)) % AlignmentBytes) / sizeof(double);
        Length = length;
    }

    public int Length { get; }

    public Span<double> Span => _array.AsSpan(_offset, Length);
}
