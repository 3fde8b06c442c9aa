using System.Globalization;

namespace Hnn.Pipeline.Store;

/// <summary>One file a clean would delete (<see cref="ArtifactStore.PlanClean"/>), and why.</summary>
public sealed record CleanItem(string Stage, string Path, long SizeBytes, string Reason);

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

    /// <summary>
    /// Metadata key holding the lowercase hex SHA-256 that seals the file: of the column data and, in files that carry
    /// <see cref="ArtifactMetadataKey"/>, of the stage and key too (see ContentHasher.Bind).
    /// </summary>
    public const string Sha256MetadataKey = "hnn.sha256";

    /// <summary>
    /// Metadata key holding "&lt;stage&gt;/&lt;key&gt;", the artifact the file was written as. Reads check it and the
    /// seal covers it, so a valid artifact copied over another (of any stage) is detected like a corrupt one.
    /// </summary>
    public const string ArtifactMetadataKey = "hnn.artifact";

    private const string SecondsExtension = ".seconds";
    private const string SecondsTempMarker = ".seconds.tmp-";

    private const string ParquetExtension = ".parquet";
    private const string TempMarker = ".parquet.tmp-";
    private const string CorruptMarker = ".parquet.corrupt-";
    private const int MaxKeyLength = 128;
    private const int MaxStageLength = 100;

    private readonly Action<string>? _onWarning;
    private readonly TimeProvider _time;

    /// <param name="root">Store root, e.g. ".hnn" (made absolute against the current directory now).</param>
    /// <param name="onWarning">Receives human-readable warnings (corrupt artifact found and removed, ...).</param>
    /// <param name="writeOptions">Row-group size and compression for artifacts; default 1Mi rows, uncompressed.</param>
    /// <param name="time">The clock (temp-file ages in clean, quarantine names); default the system's.</param>
    public ArtifactStore(string root, Action<string>? onWarning = null, ParquetWriteOptions? writeOptions = null, TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
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
        if (metadata is not null && (metadata.ContainsKey(RowsMetadataKey) || metadata.ContainsKey(Sha256MetadataKey) || metadata.ContainsKey(ArtifactMetadataKey)))
        {
            throw new ArgumentException(
                $"Metadata keys '{RowsMetadataKey}', '{Sha256MetadataKey}' and '{ArtifactMetadataKey}' are reserved by the artifact store.",
                nameof(metadata));
        }

        var bound = new Dictionary<string, string>(metadata ?? new Dictionary<string, string>(), StringComparer.Ordinal)
        {
            [ArtifactMetadataKey] = Binding(stage, key),
        };
        return ParquetTableWriter.CreateCoreAsync(
            path, schema, bound, WriteOptions, recordIntegrity: true, ColumnWriteHook, ct);
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
            return Verify(table, stage, key);
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
    /// For a <c>clean</c> command: deletes what <see cref="PlanClean"/> lists. Returns the number of files deleted.
    /// </summary>
    public int DeleteExcept(IReadOnlySet<string> keepKeys, TimeSpan? minTempAge = null) => Delete(PlanClean(keepKeys, minTempAge));

    /// <summary>
    /// What a clean would delete, exactly: every artifact (and its compute-time side file) whose key is not in
    /// <paramref name="keepKeys"/> (in any stage), leftover temp files (<c>*.tmp-*</c>, by default all of them, so do not
    /// run concurrently with writers — see <see cref="TryLockExclusive"/> — or pass <paramref name="minTempAge"/>) and
    /// quarantined <c>*.parquet.corrupt-*</c> files. Stage folders that are symbolic links are never entered (a link
    /// could lead out of the store), nor are links followed anywhere else.
    /// </summary>
    public IReadOnlyList<CleanItem> PlanClean(IReadOnlySet<string> keepKeys, TimeSpan? minTempAge = null)
    {
        ArgumentNullException.ThrowIfNull(keepKeys);
        DateTime tempCutoff = _time.GetUtcNow().UtcDateTime - (minTempAge ?? TimeSpan.Zero);
        var plan = new List<CleanItem>();
        foreach (string stageDir in StageDirectories())
        {
            foreach (string file in SortedFiles(stageDir))
            {
                var info = new FileInfo(file);
                string name = info.Name;
                string? reason = null;
                if (TryParseArtifactName(name, out string? key) || TryParseSecondsName(name, out key))
                {
                    reason = keepKeys.Contains(key) ? null : "not referenced by any run manifest";
                }
                else if (name.Contains(TempMarker, StringComparison.Ordinal) || name.Contains(SecondsTempMarker, StringComparison.Ordinal))
                {
                    reason = info.LastWriteTimeUtc <= tempCutoff ? "temporary file left by an interrupted write" : null;
                }
                else if (name.Contains(CorruptMarker, StringComparison.Ordinal))
                {
                    reason = "corrupt artifact set aside";
                }

                if (reason is not null)
                {
                    plan.Add(new CleanItem(Path.GetFileName(stageDir), info.FullName, info.Exists ? info.Length : 0, reason));
                }
            }
        }

        // Interrupted writes of run files (manifest, results, tables, report: AtomicFile's and the Parquet writer's
        // <name>.tmp-<32 hex>) under runs/, without entering links.
        foreach (string file in RunTempFiles())
        {
            var info = new FileInfo(file);
            if (info.LastWriteTimeUtc <= tempCutoff)
            {
                plan.Add(new CleanItem("runs", info.FullName, info.Exists ? info.Length : 0, "temporary file left by an interrupted write"));
            }
        }

        return plan;
    }

    /// <summary>Files under runs/ named like an atomic write's temporary (<c>&lt;name&gt;.tmp-&lt;32 hex digits&gt;</c>), links not followed.</summary>
    private List<string> RunTempFiles()
    {
        if (!Directory.Exists(RunsDirectory) || new DirectoryInfo(RunsDirectory).LinkTarget is not null)
        {
            return [];
        }

        var options = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint, IgnoreInaccessible = true };
        return [.. Directory.EnumerateFiles(RunsDirectory, "*.tmp-*", options).Where(IsRunTempName).Order(StringComparer.Ordinal)];
    }

    private static bool IsRunTempName(string path)
    {
        var name = Path.GetFileName(path);
        var at = name.LastIndexOf(".tmp-", StringComparison.Ordinal);
        return at > 0 && name.Length - at - 5 == 32 && name[(at + 5)..].All(char.IsAsciiHexDigitLower);
    }

    /// <summary>Deletes the files of a <see cref="PlanClean"/> and then the stage folders left empty; returns the files deleted.</summary>
    public int Delete(IReadOnlyList<CleanItem> plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        int deleted = plan.Count(item => TryDeleteFile(item.Path));
        foreach (string stageDir in StageDirectories())
        {
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

    /// <summary>
    /// A shared lease on the store, held by every run for as long as it may read or write artifacts (an advisory
    /// lock on <c>&lt;root&gt;/store.lock</c>; the kernel drops it when the process ends, however it ends).
    /// </summary>
    public IDisposable AcquireRunLease()
    {
        Directory.CreateDirectory(Root);
        return new FileStream(LockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
    }

    /// <summary>
    /// The exclusive lock that <c>clean</c> takes: null while any run holds <see cref="AcquireRunLease"/> (or another
    /// clean runs), so a clean never removes what a running job may still use.
    /// </summary>
    public IDisposable? TryLockExclusive()
    {
        Directory.CreateDirectory(Root);
        try
        {
            return new FileStream(LockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            return null;
        }
    }

    private string LockPath => Path.Combine(Root, "store.lock");

    /// <summary>
    /// Records how long the stage took to compute the artifact, in a small side file (<c>&lt;key&gt;.seconds</c>) rather
    /// than in the artifact: the same inputs then give byte-identical artifacts, run after run. Atomic; best effort.
    /// </summary>
    public void WriteComputeSeconds(string stage, string key, double seconds)
    {
        string path = SecondsPathFor(stage, key);
        string temp = path + SecondsTempMarker[SecondsExtension.Length..] + Guid.NewGuid().ToString("N");
        try
        {
            File.WriteAllText(temp, seconds.ToString("R", CultureInfo.InvariantCulture));
            File.Move(temp, path, overwrite: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            TryDeleteFile(temp);
            Warn($"Could not record the compute time of '{stage}/{key}': {ex.Message}");
        }
    }

    /// <summary>The seconds recorded by <see cref="WriteComputeSeconds"/>, or null when there is no (valid) record.</summary>
    public double? ReadComputeSeconds(string stage, string key)
    {
        try
        {
            string path = SecondsPathFor(stage, key);
            if (!File.Exists(path) || new FileInfo(path).Length > 64)
            {
                return null;
            }

            return double.TryParse(File.ReadAllText(path), NumberStyles.Float, CultureInfo.InvariantCulture, out var s) && double.IsFinite(s) && s >= 0 ? s : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private string SecondsPathFor(string stage, string key) => System.IO.Path.ChangeExtension(PathFor(stage, key), SecondsExtension);

    private static string Binding(string stage, string key) => stage + "/" + key;

    private static Table Verify(Table table, string stage, string key)
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

        // Files written before the binding existed carry no ArtifactMetadataKey: their seal covers the data only (and the
        // runner's "hnn.stage", when present, is checked). Every file written now is sealed to its stage and key.
        string actual = ContentHasher.Compute(table);
        if (meta.TryGetValue(ArtifactMetadataKey, out string? binding))
        {
            if (!string.Equals(binding, Binding(stage, key), StringComparison.Ordinal))
            {
                throw new InvalidDataException($"the file was written as artifact '{Truncate(binding)}', not '{Binding(stage, key)}'");
            }

            actual = ContentHasher.Bind(actual, binding);
        }
        else if (meta.TryGetValue("hnn.stage", out string? writtenStage) && !string.Equals(writtenStage, stage, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"the file was written by stage '{Truncate(writtenStage)}', not '{stage}'");
        }

        if (!string.Equals(actual, expected, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"checksum mismatch: data hashes to {actual}, recorded {Sha256MetadataKey}={Truncate(expected)}");
        }

        var userMeta = meta
            .Where(kv => kv.Key is not RowsMetadataKey and not Sha256MetadataKey and not ArtifactMetadataKey)
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
                       + _time.GetUtcNow().ToString("yyyyMMdd'T'HHmmssfff", CultureInfo.InvariantCulture)
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

    private static string Truncate(string text) => text.Length <= 80 ? text : text[..80] + "...";

    private IEnumerable<string> StageDirectories()
    {
        if (!Directory.Exists(ArtifactsDirectory))
        {
            return [];
        }

        return Directory.EnumerateDirectories(ArtifactsDirectory)
            .Where(d => IsValidStage(Path.GetFileName(d)) && new DirectoryInfo(d).LinkTarget is null)
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

    private static bool TryParseSecondsName(string fileName, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? key)
    {
        key = fileName.EndsWith(SecondsExtension, StringComparison.Ordinal) ? fileName[..^SecondsExtension.Length] : null;
        return IsValidKey(key);
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
