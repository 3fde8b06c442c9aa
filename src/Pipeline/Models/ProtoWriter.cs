using System.Buffers.Binary;
using System.Text;

namespace Hnn.Pipeline.Models;

/// <summary>
/// A minimal Protocol Buffers encoder (varint and length-delimited fields only): enough to write an ONNX ModelProto
/// (<see cref="OnnxExport"/>) without a protobuf runtime. Fields are written in the order they are added.
/// </summary>
internal sealed class ProtoWriter
{
    private readonly MemoryStream _buffer = new();

    /// <summary>An integer field (wire type 0); negative values take ten bytes, as protobuf's int64.</summary>
    public ProtoWriter Int(int field, long value)
    {
        Tag(field, 0);
        Varint(unchecked((ulong)value));
        return this;
    }

    /// <summary>A UTF-8 string field.</summary>
    public ProtoWriter String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

    /// <summary>A bytes field (wire type 2).</summary>
    public ProtoWriter Bytes(int field, ReadOnlySpan<byte> value)
    {
        Tag(field, 2);
        Varint((ulong)value.Length);
        _buffer.Write(value);
        return this;
    }

    /// <summary>An embedded message field.</summary>
    public ProtoWriter Message(int field, ProtoWriter message) => Bytes(field, message.ToArray());

    /// <summary>Doubles as little-endian IEEE 754 bytes (an ONNX tensor's raw_data).</summary>
    public static byte[] LittleEndian(IReadOnlyList<double> values)
    {
        var bytes = new byte[values.Count * 8];
        for (var k = 0; k < values.Count; k++)
        {
            BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(k * 8), values[k]);
        }

        return bytes;
    }

    public byte[] ToArray() => _buffer.ToArray();

    private void Tag(int field, int wireType) => Varint(((ulong)field << 3) | (uint)wireType);

    private void Varint(ulong v)
    {
        while (v >= 0x80)
        {
            _buffer.WriteByte((byte)(v | 0x80));
            v >>= 7;
        }

        _buffer.WriteByte((byte)v);
    }
}
