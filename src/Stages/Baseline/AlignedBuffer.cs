using System.Runtime.InteropServices;

namespace Hnn.Stages.Baseline;

/// <summary>
/// A double buffer whose first element is 64-byte aligned (a pinned array, so the address never changes). Aligned
/// vector loads and stores make the gradient kernels measurably faster than on plain arrays.
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
