using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace Hnn.Pipeline.Store;

/// <summary>
/// SHA-256 over a table's column data that does not depend on how the rows are split into chunks:
/// one incremental hash per column (raw little-endian element bytes, so exact bit patterns count),
/// then a final hash over a version tag, the row count, and each column's name, type and digest.
/// </summary>
internal sealed class ContentHasher : IDisposable
{
    private const string VersionTag = "hnn-content-sha256-v1";
    private const long ParallelThresholdElements = 1 << 19;

    private readonly ColumnSpec[] _schema;
    private readonly IncrementalHash[] _columns;
    private long _rows;

    public ContentHasher(IReadOnlyList<ColumnSpec> schema)
    {
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("Content hashing assumes a little-endian machine.");
        }

        _schema = schema.ToArray();
        _columns = new IncrementalHash[_schema.Length];
        for (int i = 0; i < _columns.Length; i++)
        {
            _columns[i] = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        }
    }

    /// <summary>
    /// The seal of an artifact: SHA-256 over a version tag, the content hash and "stage/key", so that the same data
    /// stored under another stage or key does not verify.
    /// </summary>
    public static string Bind(string contentHash, string binding)
    {
        var text = "hnn-artifact-seal-v1\n" + contentHash + "\n" + binding;
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }

    /// <summary>Adds rows [start, start+count) of every column of <paramref name="chunk"/> (schema must match).</summary>
    public void Append(Table chunk, int start, int count)
    {
        // Columns hash independently, so large chunks are hashed one column per core.
        if ((long)count * _columns.Length >= ParallelThresholdElements && _columns.Length > 1)
        {
            Parallel.For(0, _columns.Length, i => _columns[i].AppendData(Bytes(chunk.Columns[i], start, count)));
        }
        else
        {
            for (int i = 0; i < _columns.Length; i++)
            {
                _columns[i].AppendData(Bytes(chunk.Columns[i], start, count));
            }
        }

        _rows += count;
    }

    public void Append(Table chunk) => Append(chunk, 0, chunk.RowCount);

    public string Finish()
    {
        using IncrementalHash final = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> buf = stackalloc byte[8];

        final.AppendData(Encoding.UTF8.GetBytes(VersionTag));
        BinaryPrimitives.WriteInt64LittleEndian(buf, _rows);
        final.AppendData(buf);
        BinaryPrimitives.WriteInt32LittleEndian(buf, _schema.Length);
        final.AppendData(buf[..4]);

        for (int i = 0; i < _schema.Length; i++)
        {
            byte[] name = Encoding.UTF8.GetBytes(_schema[i].Name);
            BinaryPrimitives.WriteInt32LittleEndian(buf, name.Length);
            final.AppendData(buf[..4]);
            final.AppendData(name);
            BinaryPrimitives.WriteInt32LittleEndian(buf, (int)_schema[i].Type);
            final.AppendData(buf[..4]);
            final.AppendData(_columns[i].GetHashAndReset());
        }

        return Convert.ToHexStringLower(final.GetHashAndReset());
    }

    public static string Compute(Table table)
    {
        using var h = new ContentHasher(table.Schema);
        h.Append(table);
        return h.Finish();
    }

    public void Dispose()
    {
        foreach (IncrementalHash h in _columns)
        {
            h.Dispose();
        }
    }

    private static ReadOnlySpan<byte> Bytes(TableColumn c, int start, int count) => c.Type switch
    {
        ColumnType.Double => MemoryMarshal.AsBytes(new ReadOnlySpan<double>((double[])c.Values, start, count)),
        ColumnType.Int64 => MemoryMarshal.AsBytes(new ReadOnlySpan<long>((long[])c.Values, start, count)),
        ColumnType.Int32 => MemoryMarshal.AsBytes(new ReadOnlySpan<int>((int[])c.Values, start, count)),
        _ => throw new InvalidOperationException($"Unknown column type {c.Type}."),
    };
}
