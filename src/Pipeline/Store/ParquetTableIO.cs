using System.Buffers;
using System.Runtime.CompilerServices;
using Parquet;
using Parquet.Schema;

namespace Hnn.Pipeline.Store;

/// <summary>
/// Reads and writes <see cref="Table"/>s as plain, flat Parquet files (one required DOUBLE/INT64/INT32 column
/// per table column, table metadata as the file's key-value metadata), readable as-is by pandas, pyarrow
/// and DuckDB. Writes are atomic (temp file + rename, see <see cref="ParquetTableWriter"/>).
/// Reading accepts flat files from other tools too: DOUBLE and FLOAT columns read as
/// <see cref="ColumnType.Double"/> (nulls become NaN), INT64 and INT32 as such (nulls are an error).
/// </summary>
public static partial class ParquetTableIO
{
    private static readonly byte[] Magic = "PAR1"u8.ToArray();

    internal enum SourceKind
    {
        Double,
        Float,
        Int64,
        Int32,
    }

    internal readonly record struct SourceColumn(DataField Field, ColumnSpec Spec, SourceKind Kind, bool Nullable);

    public static Task WriteAsync(Table table, string path, CancellationToken ct = default) =>
        WriteAsync(table, path, ParquetWriteOptions.Default, ct);

    /// <summary>Writes <paramref name="table"/> with the given row-group size / compression.</summary>
    public static async Task WriteAsync(Table table, string path, ParquetWriteOptions options, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(options);
        ParquetTableWriter writer = await ParquetTableWriter
            .CreateAsync(path, table.Schema, table.Metadata, options, ct).ConfigureAwait(false);
        await using (writer.ConfigureAwait(false))
        {
            await writer.AppendAsync(table, ct).ConfigureAwait(false);
            await writer.CommitAsync(ct).ConfigureAwait(false);
        }
    }

    /// <summary>Reads the whole file into one table (columns are single arrays, so at most ~2^31 rows).</summary>
    public static async Task<Table> ReadAsync(string path, CancellationToken ct = default)
    {
        ParquetReader reader = await OpenAsync(path, ct).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            SourceColumn[] cols = MapSchema(reader.Schema, path);
            long total = 0;
            long[] groupRows = new long[reader.RowGroupCount];
            for (int g = 0; g < groupRows.Length; g++)
            {
                groupRows[g] = reader.OpenRowGroupReader(g).RowCount;
                total += groupRows[g];
            }

            long footerRows = reader.Metadata?.NumRows ?? total;
            if (total != footerRows)
            {
                throw new InvalidDataException(
                    $"'{path}': row groups hold {total} rows but the footer says {footerRows}.");
            }

            if (total > Array.MaxLength)
            {
                throw new NotSupportedException(
                    $"'{path}' has {total} rows, too many for one in-memory table; use {nameof(ReadRowGroupsAsync)}.");
            }

            Array[] arrays = cols.Select(c => Allocate(c.Spec.Type, (int)total)).ToArray();
            int offset = 0;
            for (int g = 0; g < groupRows.Length; g++)
            {
                ParquetRowGroupReader rg = reader.OpenRowGroupReader(g);
                int n = (int)groupRows[g];
                for (int i = 0; i < cols.Length; i++)
                {
                    await ReadColumnAsync(rg, cols[i], arrays[i], offset, n, path, ct).ConfigureAwait(false);
                }

                offset += n;
            }

            return new Table(cols.Select((c, i) => MakeColumn(c.Spec, arrays[i])), reader.CustomMetadata);
        }
    }

    /// <summary>
    /// Streams the file one row group at a time; each yielded table carries the file's metadata.
    /// A file with no rows yields nothing (use <see cref="ReadSchemaAsync"/> for its columns).
    /// </summary>
    public static async IAsyncEnumerable<Table> ReadRowGroupsAsync(
        string path, [EnumeratorCancellation] CancellationToken ct = default)
    {
        ParquetReader reader = await OpenAsync(path, ct).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            SourceColumn[] cols = MapSchema(reader.Schema, path);
            IReadOnlyDictionary<string, string> metadata = new Dictionary<string, string>(reader.CustomMetadata);
            for (int g = 0; g < reader.RowGroupCount; g++)
            {
                ParquetRowGroupReader rg = reader.OpenRowGroupReader(g);
                if (rg.RowCount > Array.MaxLength)
                {
                    throw new NotSupportedException($"'{path}': row group {g} has {rg.RowCount} rows.");
                }

                int n = (int)rg.RowCount;
                var arrays = new Array[cols.Length];
                for (int i = 0; i < cols.Length; i++)
                {
                    arrays[i] = Allocate(cols[i].Spec.Type, n);
                    await ReadColumnAsync(rg, cols[i], arrays[i], 0, n, path, ct).ConfigureAwait(false);
                }

                yield return new Table(cols.Select((c, i) => MakeColumn(c.Spec, arrays[i])), metadata);
            }
        }
    }

    /// <summary>Row count from the footer (reads no column data).</summary>
    public static async Task<long> CountRowsAsync(string path, CancellationToken ct = default)
    {
        ParquetReader reader = await OpenAsync(path, ct).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            long total = 0;
            for (int g = 0; g < reader.RowGroupCount; g++)
            {
                total += reader.OpenRowGroupReader(g).RowCount;
            }

            return reader.Metadata?.NumRows ?? total;
        }
    }

    /// <summary>The columns (file order, i.e. the names pandas shows) as this class would read them.</summary>
    public static async Task<IReadOnlyList<ColumnSpec>> ReadSchemaAsync(string path, CancellationToken ct = default)
    {
        ParquetReader reader = await OpenAsync(path, ct).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            return Array.AsReadOnly(MapSchema(reader.Schema, path).Select(c => c.Spec).ToArray());
        }
    }

    /// <summary>The file's key-value metadata (reads only the footer).</summary>
    public static async Task<IReadOnlyDictionary<string, string>> ReadMetadataAsync(string path, CancellationToken ct = default)
    {
        ParquetReader reader = await OpenAsync(path, ct).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            return new Dictionary<string, string>(reader.CustomMetadata, StringComparer.Ordinal);
        }
    }

    /// <summary>
    /// Opens a reader after checking the leading and trailing "PAR1" magic (a cheap truncation check).
    /// The file is opened shareable (read/write/delete) so concurrent readers and atomic replacement work.
    /// </summary>
    private static async Task<ParquetReader> OpenAsync(string path, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var stream = new FileStream(
            path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 1 << 16);
        try
        {
            CheckMagic(stream, path);
            return await ParquetReader.CreateAsync(stream, new ParquetOptions(), false, ct).ConfigureAwait(false);
        }
        catch
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static void CheckMagic(FileStream stream, string path)
    {
        long length = stream.Length;
        if (length < 12)
        {
            throw new InvalidDataException($"'{path}' is not a Parquet file: only {length} bytes.");
        }

        Span<byte> buf = stackalloc byte[4];
        stream.ReadExactly(buf);
        if (!buf.SequenceEqual(Magic))
        {
            throw new InvalidDataException($"'{path}' is not a Parquet file: no leading PAR1 magic.");
        }

        stream.Seek(-4, SeekOrigin.End);
        stream.ReadExactly(buf);
        if (!buf.SequenceEqual(Magic))
        {
            throw new InvalidDataException($"'{path}' has no trailing PAR1 magic (truncated or not Parquet).");
        }

        stream.Seek(0, SeekOrigin.Begin);
    }

    /// <summary>A Parquet column's CLR type in words (no .NET type names in a message).</summary>
    private static string Describe(Type t) =>
        t == typeof(string) || t == typeof(ReadOnlyMemory<char>) ? "text (string)"
        : t == typeof(bool) ? "boolean"
        : t == typeof(DateTime) || t == typeof(DateTimeOffset) || t == typeof(TimeSpan) ? "date/time"
        : t == typeof(decimal) ? "decimal"
        : t == typeof(byte[]) || t == typeof(ReadOnlyMemory<byte>) ? "binary"
        : t.IsPrimitive ? $"{t.Name.ToLowerInvariant()} (integer)"
        : "non-numeric";

    private static SourceColumn[] MapSchema(ParquetSchema schema, string path)
    {
        var cols = new SourceColumn[schema.Fields.Count];
        for (int i = 0; i < cols.Length; i++)
        {
            Field f = schema.Fields[i];
            if (f is not DataField df || df.IsArray)
            {
                throw new NotSupportedException(
                    $"'{path}': column '{f.Name}' is a {f.SchemaType} field ({f.GetType().Name}); only flat numeric columns are supported.");
            }

            Type t = df.ClrType;
            (SourceKind kind, ColumnType type) = t == typeof(double) ? (SourceKind.Double, ColumnType.Double)
                : t == typeof(float) ? (SourceKind.Float, ColumnType.Double)
                : t == typeof(long) ? (SourceKind.Int64, ColumnType.Int64)
                : t == typeof(int) ? (SourceKind.Int32, ColumnType.Int32)
                : throw new NotSupportedException(
                    $"'{path}': column '{df.Name}' holds {Describe(t)} values; only numeric columns are supported.");
            cols[i] = new SourceColumn(df, new ColumnSpec(df.Name, type), kind, df.IsNullable);
        }

        return cols;
    }

    private static Array Allocate(ColumnType type, int n) => type switch
    {
        ColumnType.Double => n == 0 ? Array.Empty<double>() : new double[n],
        ColumnType.Int64 => n == 0 ? Array.Empty<long>() : new long[n],
        ColumnType.Int32 => n == 0 ? Array.Empty<int>() : new int[n],
        _ => throw new InvalidOperationException($"Unknown column type {type}."),
    };

    private static TableColumn MakeColumn(ColumnSpec spec, Array values) => spec.Type switch
    {
        ColumnType.Double => new TableColumn(spec.Name, (double[])values),
        ColumnType.Int64 => new TableColumn(spec.Name, (long[])values),
        ColumnType.Int32 => new TableColumn(spec.Name, (int[])values),
        _ => throw new InvalidOperationException($"Unknown column type {spec.Type}."),
    };

    private static async ValueTask ReadColumnAsync(
        ParquetRowGroupReader rg, SourceColumn col, Array dest, int offset, int n, string path, CancellationToken ct)
    {
        if (n == 0)
        {
            return;
        }

        switch (col.Kind, col.Nullable)
        {
            case (SourceKind.Double, false):
                await rg.ReadAsync<double>(col.Field, ((double[])dest).AsMemory(offset, n), null, ct).ConfigureAwait(false);
                break;
            case (SourceKind.Int64, false):
                await rg.ReadAsync<long>(col.Field, ((long[])dest).AsMemory(offset, n), null, ct).ConfigureAwait(false);
                break;
            case (SourceKind.Int32, false):
                await rg.ReadAsync<int>(col.Field, ((int[])dest).AsMemory(offset, n), null, ct).ConfigureAwait(false);
                break;
            case (SourceKind.Float, false):
                {
                    float[] tmp = ArrayPool<float>.Shared.Rent(n);
                    try
                    {
                        await rg.ReadAsync<float>(col.Field, tmp.AsMemory(0, n), null, ct).ConfigureAwait(false);
                        var d = (double[])dest;
                        for (int i = 0; i < n; i++)
                        {
                            d[offset + i] = tmp[i];
                        }
                    }
                    finally
                    {
                        ArrayPool<float>.Shared.Return(tmp);
                    }

                    break;
                }

            case (SourceKind.Double, true):
                {
                    double?[] tmp = await ReadNullableAsync<double>(rg, col.Field, n, ct).ConfigureAwait(false);
                    var d = (double[])dest;
                    for (int i = 0; i < n; i++)
                    {
                        d[offset + i] = tmp[i] ?? double.NaN;
                    }

                    break;
                }

            case (SourceKind.Float, true):
                {
                    float?[] tmp = await ReadNullableAsync<float>(rg, col.Field, n, ct).ConfigureAwait(false);
                    var d = (double[])dest;
                    for (int i = 0; i < n; i++)
                    {
                        d[offset + i] = tmp[i] ?? double.NaN;
                    }

                    break;
                }

            case (SourceKind.Int64, true):
                {
                    long?[] tmp = await ReadNullableAsync<long>(rg, col.Field, n, ct).ConfigureAwait(false);
                    var d = (long[])dest;
                    for (int i = 0; i < n; i++)
                    {
                        d[offset + i] = tmp[i] ?? throw NullsNotSupported(path, col);
                    }

                    break;
                }

            case (SourceKind.Int32, true):
                {
                    int?[] tmp = await ReadNullableAsync<int>(rg, col.Field, n, ct).ConfigureAwait(false);
                    var d = (int[])dest;
                    for (int i = 0; i < n; i++)
                    {
                        d[offset + i] = tmp[i] ?? throw NullsNotSupported(path, col);
                    }

                    break;
                }

            default:
                throw new InvalidOperationException($"Unhandled column kind {col.Kind}.");
        }
    }

    private static async ValueTask<T?[]> ReadNullableAsync<T>(
        ParquetRowGroupReader rg, DataField field, int n, CancellationToken ct)
        where T : struct
    {
        var tmp = new T?[n];
        await rg.ReadAsync<T>(field, tmp.AsMemory(), null, ct).ConfigureAwait(false);
        return tmp;
    }

    private static InvalidDataException NullsNotSupported(string path, SourceColumn col) =>
        new($"'{path}': integer column '{col.Spec.Name}' contains nulls, which are not supported.");
}
