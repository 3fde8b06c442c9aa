using System.Globalization;
using Parquet;
using Parquet.Schema;

namespace Hnn.Pipeline.Store;

/// <summary>
/// Streams a fixed-schema table into a Parquet file, one or more row groups per <see cref="AppendAsync"/>,
/// atomically: data goes to <c>&lt;path&gt;.tmp-&lt;guid&gt;</c> in the target directory, which
/// <see cref="CommitAsync"/> fsyncs and renames over <c>path</c>. Disposing without a successful commit
/// (including after any exception or cancellation) deletes the temp file, so <c>path</c> never holds a
/// partial file. Not thread-safe: one producer per writer (different writers are independent).
/// </summary>
public sealed class ParquetTableWriter : IAsyncDisposable
{
    private enum State
    {
        Open,
        Committed,
        Failed,
    }

    private readonly FileStream _stream;
    private readonly ParquetWriter _writer;
    private readonly DataField[] _fields;
    private readonly ColumnSpec[] _schema;
    private readonly Dictionary<string, string> _metadata;
    private readonly int _rowGroupSize;
    private readonly ContentHasher? _hasher;
    private readonly Action<string, int>? _columnWriteHook;
    private State _state = State.Open;
    private bool _cleanedUp;

    private ParquetTableWriter(
        string path,
        string tempPath,
        FileStream stream,
        ParquetWriter writer,
        DataField[] fields,
        ColumnSpec[] schema,
        Dictionary<string, string> metadata,
        int rowGroupSize,
        ContentHasher? hasher,
        Action<string, int>? columnWriteHook)
    {
        Path = path;
        TempPath = tempPath;
        _stream = stream;
        _writer = writer;
        _fields = fields;
        _schema = schema;
        _metadata = metadata;
        _rowGroupSize = rowGroupSize;
        _hasher = hasher;
        _columnWriteHook = columnWriteHook;
        Schema = Array.AsReadOnly(schema);
    }

    /// <summary>Final path (absolute).</summary>
    public string Path { get; }

    /// <summary>The temp file being written; gone after commit or dispose.</summary>
    public string TempPath { get; }

    public IReadOnlyList<ColumnSpec> Schema { get; }

    public long RowsWritten { get; private set; }

    public int RowGroupsWritten { get; private set; }

    public bool IsCommitted => _state == State.Committed;

    /// <summary>
    /// Creates the writer and its temp file (creating the directory if needed).
    /// <paramref name="metadata"/> becomes the file's key-value metadata (see also <see cref="SetMetadata"/>).
    /// </summary>
    public static Task<ParquetTableWriter> CreateAsync(
        string path,
        IReadOnlyList<ColumnSpec> schema,
        IReadOnlyDictionary<string, string>? metadata = null,
        ParquetWriteOptions? options = null,
        CancellationToken ct = default) =>
        CreateCoreAsync(path, schema, metadata, options, recordIntegrity: false, columnWriteHook: null, ct);

    internal static async Task<ParquetTableWriter> CreateCoreAsync(
        string path,
        IReadOnlyList<ColumnSpec> schema,
        IReadOnlyDictionary<string, string>? metadata,
        ParquetWriteOptions? options,
        bool recordIntegrity,
        Action<string, int>? columnWriteHook,
        CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(schema);
        options ??= ParquetWriteOptions.Default;
        options.Validate();
        ColumnSpec[] specs = ValidateSchema(schema);
        ct.ThrowIfCancellationRequested();

        var meta = new Dictionary<string, string>(StringComparer.Ordinal);
        if (metadata is not null)
        {
            foreach (KeyValuePair<string, string> kv in metadata)
            {
                meta[kv.Key] = kv.Value;
            }
        }

        string full = System.IO.Path.GetFullPath(path);
        string dir = System.IO.Path.GetDirectoryName(full)
            ?? throw new ArgumentException($"Path '{path}' has no directory.", nameof(path));
        Directory.CreateDirectory(dir);
        string temp = full + ".tmp-" + Guid.NewGuid().ToString("N");

        DataField[] fields = specs.Select(ToField).ToArray();
        var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, bufferSize: 1 << 16);
        ContentHasher? hasher = null;
        try
        {
            ParquetWriter writer = await ParquetWriter.CreateAsync(
                new ParquetSchema(fields), stream, ToParquetOptions(options), false, ct).ConfigureAwait(false);
            hasher = recordIntegrity ? new ContentHasher(specs) : null;
            return new ParquetTableWriter(
                full, temp, stream, writer, fields, specs, meta, options.RowGroupSize, hasher, columnWriteHook);
        }
        catch
        {
            hasher?.Dispose();
            await stream.DisposeAsync().ConfigureAwait(false);
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>Sets (or replaces) one key-value metadata entry; allowed until commit.</summary>
    public void SetMetadata(string key, string value)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentNullException.ThrowIfNull(value);
        EnsureOpen();
        _metadata[key] = value;
    }

    /// <summary>
    /// Writes <paramref name="chunk"/> (whose schema must equal <see cref="Schema"/>; its metadata is ignored)
    /// as ceil(rows / RowGroupSize) row groups; an empty chunk writes nothing. Small chunks make small row
    /// groups, so append reasonably large chunks.
    /// </summary>
    public async Task AppendAsync(Table chunk, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        EnsureOpen();
        CheckChunkSchema(chunk);

        try
        {
            int n = chunk.RowCount;
            for (int start = 0; start < n; start += _rowGroupSize)
            {
                int count = Math.Min(_rowGroupSize, n - start);
                ct.ThrowIfCancellationRequested();
                ParquetRowGroupWriter rg = _writer.CreateRowGroup();
                for (int i = 0; i < _fields.Length; i++)
                {
                    _columnWriteHook?.Invoke(_schema[i].Name, RowGroupsWritten);
                    ct.ThrowIfCancellationRequested();
                    await WriteColumnAsync(rg, _fields[i], chunk.Columns[i], start, count, ct).ConfigureAwait(false);
                }

                rg.CompleteValidate();
                rg.Dispose();
                _hasher?.Append(chunk, start, count);
                RowGroupsWritten++;
                RowsWritten += count;
            }
        }
        catch
        {
            _state = State.Failed;
            throw;
        }
    }

    /// <summary>
    /// Writes the footer, fsyncs, and atomically renames the temp file over <see cref="Path"/>
    /// (replacing any existing file: with concurrent writers of one path the last rename wins).
    /// On failure or cancellation the temp file is deleted and the exception rethrown.
    /// </summary>
    public async Task CommitAsync(CancellationToken ct = default)
    {
        EnsureOpen();
        try
        {
            ct.ThrowIfCancellationRequested();
            if (_hasher is not null)
            {
                _metadata[ArtifactStore.RowsMetadataKey] = RowsWritten.ToString(CultureInfo.InvariantCulture);
                var content = _hasher.Finish();
                _metadata[ArtifactStore.Sha256MetadataKey] = _metadata.TryGetValue(ArtifactStore.ArtifactMetadataKey, out var binding)
                    ? ContentHasher.Bind(content, binding)
                    : content;
            }

            if (_metadata.Count > 0)
            {
                _writer.CustomMetadata = _metadata;
            }

            await _writer.DisposeAsync().ConfigureAwait(false); // writes the footer; leaves the stream open
            await _stream.FlushAsync(ct).ConfigureAwait(false);
            _stream.Flush(flushToDisk: true);
            await _stream.DisposeAsync().ConfigureAwait(false);
            ct.ThrowIfCancellationRequested();
            MoveOver(TempPath, Path);
            _state = State.Committed;
            _cleanedUp = true;
            _hasher?.Dispose();
        }
        catch
        {
            _state = State.Failed;
            await CleanupAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Releases resources; without a successful commit, deletes the temp file.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_state != State.Committed)
        {
            _state = State.Failed;
        }

        await CleanupAsync().ConfigureAwait(false);
    }

    internal static ParquetOptions ToParquetOptions(ParquetWriteOptions options) => new()
    {
        CompressionMethod = options.Compression switch
        {
            ParquetCompression.None => CompressionMethod.None,
            ParquetCompression.Snappy => CompressionMethod.Snappy,
            _ => throw new ArgumentOutOfRangeException(nameof(options), options.Compression, "Unknown compression."),
        },
    };

    internal static DataField ToField(ColumnSpec spec) => spec.Type switch
    {
        ColumnType.Double => new DataField<double>(spec.Name),
        ColumnType.Int64 => new DataField<long>(spec.Name),
        ColumnType.Int32 => new DataField<int>(spec.Name),
        _ => throw new ArgumentOutOfRangeException(nameof(spec), spec.Type, $"Unknown type of column '{spec.Name}'."),
    };

    internal static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static Task WriteColumnAsync(
        ParquetRowGroupWriter rg, DataField field, TableColumn column, int start, int count, CancellationToken ct) =>
        column.Type switch
        {
            ColumnType.Double => rg.WriteAsync<double>(
                field, new ReadOnlyMemory<double>((double[])column.Values, start, count), null, null, ct),
            ColumnType.Int64 => rg.WriteAsync<long>(
                field, new ReadOnlyMemory<long>((long[])column.Values, start, count), null, null, ct),
            ColumnType.Int32 => rg.WriteAsync<int>(
                field, new ReadOnlyMemory<int>((int[])column.Values, start, count), null, null, ct),
            _ => throw new InvalidOperationException($"Unknown type of column '{column.Name}'."),
        };

    private static ColumnSpec[] ValidateSchema(IReadOnlyList<ColumnSpec> schema)
    {
        if (schema.Count == 0)
        {
            throw new ArgumentException("A Parquet table needs at least one column.", nameof(schema));
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (ColumnSpec s in schema)
        {
            if (string.IsNullOrWhiteSpace(s.Name))
            {
                throw new ArgumentException("Column names must not be empty.", nameof(schema));
            }

            if (!seen.Add(s.Name))
            {
                throw new ArgumentException($"Duplicate column name '{s.Name}'.", nameof(schema));
            }

            if (!Enum.IsDefined(s.Type))
            {
                throw new ArgumentException($"Column '{s.Name}' has unknown type {s.Type}.", nameof(schema));
            }
        }

        return schema.ToArray();
    }

    private static void MoveOver(string source, string destination)
    {
        // POSIX rename(2) atomically replaces the destination. On Windows a reader holding the destination
        // open without FILE_SHARE_DELETE makes the replace fail transiently, so retry a little there.
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                File.Move(source, destination, overwrite: true);
                return;
            }
            catch (Exception ex) when (OperatingSystem.IsWindows() && attempt < 8
                                       && ex is IOException or UnauthorizedAccessException)
            {
                Thread.Sleep(10 << attempt);
            }
        }
    }

    private void CheckChunkSchema(Table chunk)
    {
        if (chunk.ColumnCount == _schema.Length)
        {
            bool same = true;
            for (int i = 0; i < _schema.Length && same; i++)
            {
                same = chunk.Schema[i] == _schema[i];
            }

            if (same)
            {
                return;
            }
        }

        throw new ArgumentException(
            $"Chunk schema [{string.Join(", ", chunk.Schema)}] does not match the writer's schema " +
            $"[{string.Join(", ", _schema)}] for '{Path}'.", nameof(chunk));
    }

    private void EnsureOpen()
    {
        if (_state != State.Open)
        {
            throw new InvalidOperationException(
                _state == State.Committed
                    ? $"Writer for '{Path}' is already committed."
                    : $"Writer for '{Path}' has failed or been disposed; nothing more can be written.");
        }
    }

    private async ValueTask CleanupAsync()
    {
        if (_cleanedUp)
        {
            return;
        }

        _cleanedUp = true;
        _hasher?.Dispose();
        // Close the file first so that disposing the Parquet writer cannot append a footer to a temp file
        // we are about to delete anyway; its failure to do so is expected and ignored.
        await _stream.DisposeAsync().ConfigureAwait(false);
        try
        {
            await _writer.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The writer is being abandoned; nothing useful to report.
        }

        TryDelete(TempPath);
    }
}
