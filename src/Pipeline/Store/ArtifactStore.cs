using System.Globalization;

namespace Hnn.Pipeline.Store;

/// <summary>One stored artifact, as listed by <see cref="ArtifactStore.List"/>.</summary>
public sealed record ArtifactInfo(string Stage, string Key, string Path, long SizeBytes, DateTime LastWriteTimeUtc);

/// <summary>
/// Content-addressed Parquet artifacts under <c>&lt;root&gt;/artifacts/&lt;stage&gt;/&lt;key&gt;.parquet</c>.
/// <para>
/// Writes are atomic (temp file in the same directory, fsync, rename over the final path), record the row
/// count (<see cref="RowsMetadataKey"/>) and a SHA-256 of the column data (<see cref="Sha256MetadataKey"/>) in
/// the file's key-value metadata; reads verify both, so truncation and silent bit-rot are detected and the
/// bad file is moved aside (to <c>&lt;key&gt;.parquet.corrupt-&lt;utc&gt;-&lt;id&gt;</c>) with a warning.
/// </para>
/// <para>
/// Thread-safe: the store holds no mutable state. Concurrent writes of different keys are independent;
/// concurrent writes of the same key both complete and the last rename wins. The warning callback may be
/// called concurrently from different readers.
/// </para>
/// </summary>
public sealed class ArtifactStore
{
    /// <summary>Metadata key holding the row count written (decimal).</summary>
    public const string RowsMetadataKey = "hnn.rows";

    /// <summary>Metadata key holding the lowercase hex SHA-256 of the column data (see ContentHasher).</summary>
    public const string Sha256MetadataKey = "hnn.sha256";

    private const string ParquetExtension = ".parquet";
    private const string TempMarker = ".parquet.tmp-";
    private const string CorruptMarker = ".parquet.corrupt-";
    private const int MaxKeyLength = 128;
    private const int MaxStageLength = 100;

    private readonly Action<string>? _onWarning;

    /// <param name="root">Store root, e.g. ".hnn" (made absolute against the current directory now).</param>
    /// <param name="onWarning">Receives human-readable warnings (corrupt artifact found and removed, ...).</param>
    /// <param name="writeOptions">Row-group size and compression for artifacts; default 1Mi rows, uncompressed.</param>
    public ArtifactStore(string root, Action<string>? onWarning = null, ParquetWriteOptions? writeOptions = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        Root = Path.GetFullPath(root);
        _onWarning = onWarning;
        WriteOptions = writeOptions ?? ParquetWriteOptions.Default;
        WriteOptions.Validate();
    }

    public string Root { get; }

    public string ArtifactsDirectory => Path.Combine(Root, "artifacts");

    public string RunsDirectory => Path.Combine(Root, "runs");

    public ParquetWriteOptions WriteOptions { get; }

    /// <summary>Test hook: called before each column of each row group is written (column name, row group index).</summary>
    internal Action<string, int>? ColumnWriteHook { get; set; }

    /// <summary>
    /// <c>&lt;root&gt;/artifacts/&lt;stage&gt;/&lt;key&gt;.parquet</c>. Stage: letters, digits, '_', '-', '.'
    /// (not first); key: 1-128 hex digits. Anything else throws <see cref="ArgumentException"/>.
    /// </summary>
    public string PathFor(string stage, string key)
    {
        ValidateStage(stage);
        ValidateKey(key);
        return Path.Combine(ArtifactsDirectory, stage, key + ParquetExtension);
    }

    public bool Exists(string stage, string key) => File.Exists(PathFor(stage, key));

    /// <summary>
    /// Atomically writes <paramref name="table"/> as the artifact (replacing any existing one).
    /// On any exception or cancellation the temp file is deleted and the exception rethrown; the final path
    /// is never left holding a partial file. The table's metadata must not use the reserved keys.
    /// </summary>
    public async Task WriteAsync(string stage, string key, Table table, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(table);
        ParquetTableWriter writer = await OpenWriterAsync(stage, key, table.Schema, table.Metadata, ct).ConfigureAwait(false);
        await using (writer.ConfigureAwait(false))
        {
            await writer.AppendAsync(table, ct).ConfigureAwait(false);
            await writer.CommitAsync(ct).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Streaming variant of <see cref="WriteAsync"/> for artifacts built chunk by chunk: append chunks,
    /// then <see cref="ParquetTableWriter.CommitAsync"/>; disposing without committing discards everything.
    /// Row count and checksum are recorded at commit.
    /// </summary>
    public Task<ParquetTableWriter> OpenWriterAsync(
        string stage,
        string key,
        IReadOnlyList<ColumnSpec> schema,
        IReadOnlyDictionary<string, string>? metadata = null,
        CancellationToken ct = default)
    {
        string path = PathFor(stage, key);
        if (metadata is not null && (metadata.ContainsKey(RowsMetadataKey) || metadata.ContainsKey(Sha256MetadataKey)))
        {
            throw new ArgumentException(
                $"Metadata keys '{RowsMetadataKey}' and '{Sha256MetadataKey}' are reserved by the artifact store.",
                nameof(metadata));
        }

        return ParquetTableWriter.CreateCoreAsync(
            path, schema, metadata, WriteOptions, recordIntegrity: true, ColumnWriteHook, ct);
    }

    /// <summary>
    /// Reads and verifies the artifact; null if absent. If it is unreadable, truncated, or its row count or
    /// checksum do not match what was recorded at write time, it is moved aside (or deleted), a warning naming
    /// the path and reason is reported, and null is returned. The returned metadata excludes the reserved keys.
    /// Cancellation is rethrown, never treated as corruption.
    /// </summary>
    public async Task<Table?> TryReadAsync(string stage, string key, CancellationToken ct = default)
    {
        string path = PathFor(stage, key);
        var before = new FileInfo(path);
        if (!before.Exists)
        {
            return null;
        }

        long length = before.Length;
        DateTime mtime = before.LastWriteTimeUtc;
        try
        {
            Table table = await ParquetTableIO.ReadAsync(path, ct).ConfigureAwait(false);
            return Verify(table, path);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException && !File.Exists(path))
        {
            return null; // deleted concurrently (e.g. by clean)
        }
        catch (Exception ex)
        {
            Quarantine(path, length, mtime, $"{ex.GetType().Name}: {ex.Message}");
            return null;
        }
    }

    /// <summary>Deletes one artifact; true if a file was removed.</summary>
    public bool Delete(string stage, string key)
    {
        string path = PathFor(stage, key);
        if (!File.Exists(path))
        {
            return false;
        }

        File.Delete(path);
        return true;
    }

    /// <summary>All artifacts (stage, then key, ordinal order). Temp and quarantined files are not listed.</summary>
    public IReadOnlyList<ArtifactInfo> List()
    {
        var result = new List<ArtifactInfo>();
        foreach (string stageDir in StageDirectories())
        {
            string stage = Path.GetFileName(stageDir);
            foreach (string file in SortedFiles(stageDir))
            {
                string name = Path.GetFileName(file);
                if (!TryParseArtifactName(name, out string? key))
                {
                    continue;
                }

                var fi = new FileInfo(file);
                try
                {
                    result.Add(new ArtifactInfo(stage, key, fi.FullName, fi.Length, fi.LastWriteTimeUtc));
                }
                catch (FileNotFoundException)
                {
                    // deleted while listing
                }
            }
        }

        return result;
    }

    /// <summary>
    /// For a <c>clean</c> command: deletes every artifact whose key is not in <paramref name="keepKeys"/>
    /// (in any stage), plus leftover temp files (<c>*.parquet.tmp-*</c>, by default all of them, so do not
    /// run concurrently with writers, or pass <paramref name="minTempAge"/>) and quarantined
    /// <c>*.parquet.corrupt-*</c> files. Empty stage directories are removed. Returns the number of files deleted.
    /// </summary>
    public int DeleteExcept(IReadOnlySet<string> keepKeys, TimeSpan? minTempAge = null)
    {
        ArgumentNullException.ThrowIfNull(keepKeys);
        DateTime tempCutoff = DateTime.UtcNow - (minTempAge ?? TimeSpan.Zero);
        int deleted = 0;
        foreach (string stageDir in StageDirectories())
        {
            foreach (string file in SortedFiles(stageDir))
            {
                string name = Path.GetFileName(file);
                bool delete;
                if (TryParseArtifactName(name, out string? key))
                {
                    delete = !keepKeys.Contains(key);
                }
                else if (name.Contains(TempMarker, StringComparison.Ordinal))
                {
                    delete = File.GetLastWriteTimeUtc(file) <= tempCutoff;
                }
                else
                {
                    delete = name.Contains(CorruptMarker, StringComparison.Ordinal);
                }

                if (delete && TryDeleteFile(file))
                {
                    deleted++;
                }
            }

            try
            {
                if (!Directory.EnumerateFileSystemEntries(stageDir).Any())
                {
                    Directory.Delete(stageDir);
                }
            }
            catch (IOException)
            {
                // a writer just created something there
            }
        }

        return deleted;
    }

    private Table Verify(Table table, string path)
    {
        IReadOnlyDictionary<string, string> meta = table.Metadata;
        if (!meta.TryGetValue(RowsMetadataKey, out string? rowsText)
            || !long.TryParse(rowsText, NumberStyles.None, CultureInfo.InvariantCulture, out long rows))
        {
            throw new InvalidDataException($"missing or invalid '{RowsMetadataKey}' metadata (not written by the artifact store?)");
        }

        if (rows != table.RowCount)
        {
            throw new InvalidDataException($"row count {table.RowCount} does not match recorded {RowsMetadataKey}={rows}");
        }

        if (!meta.TryGetValue(Sha256MetadataKey, out string? expected))
        {
            throw new InvalidDataException($"missing '{Sha256MetadataKey}' metadata");
        }

        string actual = ContentHasher.Compute(table);
        if (!string.Equals(actual, expected, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"checksum mismatch: data hashes to {actual}, recorded {Sha256MetadataKey}={expected}");
        }

        var userMeta = meta
            .Where(kv => kv.Key is not RowsMetadataKey and not Sha256MetadataKey)
            .ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        return table.WithMetadata(userMeta);
    }

    private void Quarantine(string path, long length, DateTime mtime, string reason)
    {
        // A concurrent writer may have renamed a fresh, good file over the one we read; leave that one alone.
        var now = new FileInfo(path);
        if (!now.Exists)
        {
            Warn($"Artifact '{path}' was unreadable ({reason}) and has since disappeared.");
            return;
        }

        if (now.Length != length || now.LastWriteTimeUtc != mtime)
        {
            Warn($"Artifact '{path}' was unreadable ({reason}) but was replaced meanwhile; leaving the new file.");
            return;
        }

        string aside = path + CorruptMarker.Substring(ParquetExtension.Length)
                       + DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmssfff", CultureInfo.InvariantCulture)
                       + "-" + Guid.NewGuid().ToString("N")[..8];
        try
        {
            File.Move(path, aside);
            Warn($"Corrupt artifact '{path}' ({reason}); moved aside to '{aside}'. It will be recomputed.");
        }
        catch (Exception moveError) when (moveError is IOException or UnauthorizedAccessException)
        {
            bool gone = TryDeleteFile(path);
            Warn(gone
                ? $"Corrupt artifact '{path}' ({reason}); deleted (could not move aside: {moveError.Message})."
                : $"Corrupt artifact '{path}' ({reason}); could neither move nor delete it: {moveError.Message}");
        }
    }

    private void Warn(string message) => _onWarning?.Invoke(message);

    private IEnumerable<string> StageDirectories()
    {
        if (!Directory.Exists(ArtifactsDirectory))
        {
            return [];
        }

        return Directory.EnumerateDirectories(ArtifactsDirectory)
            .Where(d => IsValidStage(Path.GetFileName(d)))
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    private static List<string> SortedFiles(string dir)
    {
        try
        {
            return Directory.EnumerateFiles(dir).Order(StringComparer.Ordinal).ToList();
        }
        catch (DirectoryNotFoundException)
        {
            return [];
        }
    }

    private static bool TryParseArtifactName(string fileName, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? key)
    {
        key = null;
        if (!fileName.EndsWith(ParquetExtension, StringComparison.Ordinal))
        {
            return false;
        }

        string k = fileName[..^ParquetExtension.Length];
        if (!IsValidKey(k))
        {
            return false;
        }

        key = k;
        return true;
    }

    private static bool TryDeleteFile(string path)
    {
        try
        {
            if (!File.Exists(path))
            {
                return false;
            }

            File.Delete(path);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static bool IsValidKey(string? key) =>
        !string.IsNullOrEmpty(key) && key.Length <= MaxKeyLength && key.All(char.IsAsciiHexDigit);

    private static bool IsValidStage(string? stage) =>
        !string.IsNullOrEmpty(stage)
        && stage.Length <= MaxStageLength
        && char.IsAsciiLetterOrDigit(stage[0])
        && stage.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.');

    private static void ValidateKey(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (!IsValidKey(key))
        {
            throw new ArgumentException($"Artifact key '{key}' must be 1-{MaxKeyLength} hex digits.", nameof(key));
        }
    }

    private static void ValidateStage(string stage)
    {
        ArgumentNullException.ThrowIfNull(stage);
        if (!IsValidStage(stage))
        {
            throw new ArgumentException(
                $"Stage name '{stage}' must be 1-{MaxStageLength} characters of letters, digits, '_', '-', '.', starting with a letter or digit.",
                nameof(stage));
        }
    }
}
