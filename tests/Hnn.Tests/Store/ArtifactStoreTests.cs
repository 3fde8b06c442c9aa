using System.Collections.Concurrent;
using Hnn.Pipeline.Store;
using Xunit;

namespace Hnn.Tests.Store;

public class ArtifactStoreTests
{
    private const string Stage = "dataset";
    private const string Key = "0123456789abcdef0123456789abcdef";

    private static readonly Dictionary<string, string> Meta = new() { ["system"] = "\"pendulum\"", ["n"] = "3" };

    [Fact]
    public async Task WriteThenReadRoundTripsWithLayoutAndVerifiedMetadata()
    {
        using var dir = new TempDir();
        var warnings = new ConcurrentQueue<string>();
        var store = new ArtifactStore(dir.Path, warnings.Enqueue);
        Table t = TableFactory.Mixed(3_000, seed: 10, Meta);

        Assert.False(store.Exists(Stage, Key));
        Assert.Null(await store.TryReadAsync(Stage, Key));
        await store.WriteAsync(Stage, Key, t);

        Assert.Equal(Path.Combine(dir.Path, "artifacts", Stage, Key + ".parquet"), store.PathFor(Stage, Key));
        Assert.Equal(Path.Combine(dir.Path, "runs"), store.RunsDirectory);
        Assert.True(store.Exists(Stage, Key));
        Assert.Equal([Path.Combine("artifacts", Stage, Key + ".parquet")], dir.AllFiles());

        Table? back = await store.TryReadAsync(Stage, Key);
        Assert.NotNull(back);
        TableFactory.AssertSameData(t, back);
        Assert.Equal(Meta, back.Metadata); // reserved integrity keys are stripped

        // ... but are in the file for anyone else to see.
        IReadOnlyDictionary<string, string> raw = await ParquetTableIO.ReadMetadataAsync(store.PathFor(Stage, Key));
        Assert.Equal("3000", raw[ArtifactStore.RowsMetadataKey]);
        Assert.Matches("^[0-9a-f]{64}$", raw[ArtifactStore.Sha256MetadataKey]);
        Assert.Empty(warnings);
    }

    [Fact]
    public async Task EmptyTableRoundTrips()
    {
        using var dir = new TempDir();
        var store = new ArtifactStore(dir.Path);
        Table t = Table.FromDoubles([("q", Array.Empty<double>()), ("p", Array.Empty<double>())], Meta);
        await store.WriteAsync(Stage, Key, t);
        Table? back = await store.TryReadAsync(Stage, Key);
        Assert.NotNull(back);
        Assert.Equal(0, back.RowCount);
        Assert.Equal(["q", "p"], back.ColumnNames);
        Assert.Equal(Meta, back.Metadata);
    }

    [Fact]
    public async Task MultipleRowGroupsWithSmallRowGroupSize()
    {
        using var dir = new TempDir();
        var store = new ArtifactStore(dir.Path, writeOptions: new ParquetWriteOptions { RowGroupSize = 1_000 });
        Table t = TableFactory.Mixed(2_500, seed: 11);
        await store.WriteAsync(Stage, Key, t);

        TableFactory.AssertSameData(t, (await store.TryReadAsync(Stage, Key))!);
        var sizes = new List<int>();
        await foreach (Table g in ParquetTableIO.ReadRowGroupsAsync(store.PathFor(Stage, Key)))
        {
            sizes.Add(g.RowCount);
        }

        Assert.Equal([1_000, 1_000, 500], sizes);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task WriteCancelledOrFailingMidwayLeavesNoFinalAndNoTempFile(bool throwInstead)
    {
        using var dir = new TempDir();
        var store = new ArtifactStore(dir.Path, writeOptions: new ParquetWriteOptions { RowGroupSize = 1_000 });
        Table t = TableFactory.Mixed(2_500, seed: 12);
        using var cts = new CancellationTokenSource();
        int calls = 0;
        store.ColumnWriteHook = (column, rowGroup) =>
        {
            calls++;
            if (rowGroup == 1 && column == "p") // second row group, second column: file is half written
            {
                if (throwInstead)
                {
                    throw new IOException("simulated disk failure");
                }

                cts.Cancel();
            }
        };

        Exception ex = await Assert.ThrowsAnyAsync<Exception>(() => store.WriteAsync(Stage, Key, t, cts.Token));
        Assert.IsType(throwInstead ? typeof(IOException) : typeof(OperationCanceledException), ex, exactMatch: false);
        Assert.Equal(7, calls);
        Assert.False(store.Exists(Stage, Key));
        Assert.Empty(dir.AllFiles());
    }

    [Fact]
    public async Task FailedOverwriteKeepsThePreviousArtifactIntact()
    {
        using var dir = new TempDir();
        var store = new ArtifactStore(dir.Path);
        Table good = TableFactory.Mixed(500, seed: 13, Meta);
        await store.WriteAsync(Stage, Key, good);

        store.ColumnWriteHook = (column, _) =>
        {
            if (column == "traj")
            {
                throw new InvalidOperationException("boom");
            }
        };
        await Assert.ThrowsAsync<InvalidOperationException>(() => store.WriteAsync(Stage, Key, TableFactory.Mixed(500, seed: 14)));

        TableFactory.AssertSameData(good, (await store.TryReadAsync(Stage, Key))!);
        Assert.Single(dir.AllFiles());
    }

    [Theory]
    [InlineData("truncate", ParquetCompression.Snappy)]
    [InlineData("flip", ParquetCompression.Snappy)]
    [InlineData("flip", ParquetCompression.None)]
    public async Task CorruptArtifactIsReportedMovedAsideAndReadAsAbsent(string damage, ParquetCompression compression)
    {
        using var dir = new TempDir();
        var warnings = new ConcurrentQueue<string>();
        var store = new ArtifactStore(dir.Path, warnings.Enqueue, new ParquetWriteOptions { Compression = compression });
        await store.WriteAsync(Stage, Key, TableFactory.Mixed(4_000, seed: 15, Meta));
        string path = store.PathFor(Stage, Key);

        byte[] bytes = await File.ReadAllBytesAsync(path);
        if (damage == "truncate")
        {
            Array.Resize(ref bytes, bytes.Length / 2);
        }
        else
        {
            for (int i = bytes.Length / 2; i < bytes.Length / 2 + 8; i++)
            {
                bytes[i] ^= 0x5A;
            }
        }

        await File.WriteAllBytesAsync(path, bytes);

        Assert.Null(await store.TryReadAsync(Stage, Key));
        string warning = Assert.Single(warnings);
        Assert.Contains(path, warning);
        Assert.False(File.Exists(path));
        Assert.False(store.Exists(Stage, Key));
        string aside = Assert.Single(Directory.GetFiles(Path.GetDirectoryName(path)!));
        Assert.StartsWith(path + ".corrupt-", aside);
        Assert.Empty(store.List());

        // A second read is just a miss, and clean removes the quarantined file.
        Assert.Null(await store.TryReadAsync(Stage, Key));
        Assert.Single(warnings);
        Assert.Equal(1, store.DeleteExcept(new HashSet<string>()));
        Assert.Empty(dir.AllFiles());
    }

    [Fact]
    public async Task RowCountMismatchAndForeignFilesAreTreatedAsCorrupt()
    {
        using var dir = new TempDir();
        var warnings = new ConcurrentQueue<string>();
        var store = new ArtifactStore(dir.Path, warnings.Enqueue);

        // A self-consistent Parquet file whose recorded row count is wrong.
        Table t = TableFactory.Doubles(10, seed: 16, "q");
        var lying = new Dictionary<string, string>
        {
            [ArtifactStore.RowsMetadataKey] = "11",
            [ArtifactStore.Sha256MetadataKey] = new string('0', 64),
        };
        await ParquetTableIO.WriteAsync(t.WithMetadata(lying), store.PathFor(Stage, "aa"));
        // A valid Parquet file not written by the store (no integrity metadata).
        await ParquetTableIO.WriteAsync(t, store.PathFor(Stage, "bb"));

        Assert.Null(await store.TryReadAsync(Stage, "aa"));
        Assert.Null(await store.TryReadAsync(Stage, "bb"));
        string[] w = warnings.ToArray();
        Assert.Equal(2, w.Length);
        Assert.Contains("row count", w[0]);
        Assert.Contains(store.PathFor(Stage, "aa"), w[0]);
        Assert.Contains(ArtifactStore.RowsMetadataKey, w[1]);
        Assert.Empty(store.List());
    }

    [Fact]
    public async Task ConcurrentWritesOfDifferentAndSameKeysAllComplete()
    {
        using var dir = new TempDir();
        var store = new ArtifactStore(dir.Path);
        string[] keys = Enumerable.Range(0, 8).Select(i => $"{i:x2}").ToArray();
        Table[] sameKeyTables = Enumerable.Range(0, 4).Select(i => TableFactory.Mixed(2_000, seed: 100 + i)).ToArray();

        var tasks = keys.Select((k, i) => Task.Run(() => store.WriteAsync(Stage, k, TableFactory.Mixed(2_000, seed: i))))
            .Concat(sameKeyTables.Select(tbl => Task.Run(() => store.WriteAsync(Stage, "ff", tbl))))
            .ToArray();
        await Task.WhenAll(tasks);

        for (int i = 0; i < keys.Length; i++)
        {
            TableFactory.AssertSameData(TableFactory.Mixed(2_000, seed: i), (await store.TryReadAsync(Stage, keys[i]))!);
        }

        Table? winner = await store.TryReadAsync(Stage, "ff");
        Assert.NotNull(winner);
        Assert.Contains(sameKeyTables, tbl => tbl.Column("q").AsSpan().SequenceEqual(winner.Column("q")));
        Assert.Equal(keys.Length + 1, dir.AllFiles().Length); // no temp files left
    }

    [Fact]
    public async Task ListAndDeleteExcept()
    {
        using var dir = new TempDir();
        var store = new ArtifactStore(dir.Path);
        Table t = TableFactory.Doubles(100, seed: 17, "q", "p");
        await store.WriteAsync("dataset", "a1", t);
        await store.WriteAsync("dataset", "b2", t);
        await store.WriteAsync("train", "c3", t);
        string stageDir = Path.GetDirectoryName(store.PathFor("train", "c3"))!;
        string staleTemp = store.PathFor("train", "c3") + ".tmp-0123abcd";
        await File.WriteAllTextAsync(staleTemp, "partial");
        string foreign = Path.Combine(stageDir, "README.txt");
        await File.WriteAllTextAsync(foreign, "not ours");

        IReadOnlyList<ArtifactInfo> all = store.List();
        Assert.Equal([("dataset", "a1"), ("dataset", "b2"), ("train", "c3")], all.Select(a => (a.Stage, a.Key)));
        Assert.All(all, a =>
        {
            Assert.Equal(store.PathFor(a.Stage, a.Key), a.Path);
            Assert.Equal(new FileInfo(a.Path).Length, a.SizeBytes);
            Assert.True(a.SizeBytes > 100 * 2 * sizeof(double));
            Assert.True(a.LastWriteTimeUtc > DateTime.UtcNow.AddMinutes(-5));
        });

        // A young temp file survives when a minimum age is asked for.
        Assert.Equal(0, store.DeleteExcept(new HashSet<string> { "a1", "b2", "c3" }, minTempAge: TimeSpan.FromHours(1)));
        Assert.True(File.Exists(staleTemp));

        int deleted = store.DeleteExcept(new HashSet<string> { "a1" });
        Assert.Equal(3, deleted); // b2, c3, the temp file
        Assert.Equal([("dataset", "a1")], store.List().Select(a => (a.Stage, a.Key)));
        Assert.True(File.Exists(foreign));
        Assert.False(File.Exists(staleTemp));
        Assert.NotNull(await store.TryReadAsync("dataset", "a1"));
    }

    [Fact]
    public async Task Clean_removes_interrupted_run_file_writes_and_nothing_else_under_runs()
    {
        // A run killed while AtomicFile / the Parquet writer wrote manifest.json, results.parquet or a report file leaves
        // <name>.tmp-<32 hex> in runs/<id>/ (found by scripts/faults.sh: a SIGKILL during the run files' write).
        using var dir = new TempDir();
        var store = new ArtifactStore(dir.Path);
        var run = Path.Combine(store.RunsDirectory, "20261203-000000-abcd");
        Directory.CreateDirectory(Path.Combine(run, "report"));
        var tempManifest = Path.Combine(run, "manifest.json.tmp-" + new string('a', 32));
        var tempFigure = Path.Combine(run, "report", "h.png.tmp-" + Guid.NewGuid().ToString("N"));
        var manifest = Path.Combine(run, "manifest.json");
        var lookalike = Path.Combine(run, "notes.tmp-mine"); // not an atomic write's name: kept
        foreach (var f in new[] { tempManifest, tempFigure, manifest, lookalike })
        {
            await File.WriteAllTextAsync(f, "x");
        }

        Assert.Equal(0, store.DeleteExcept(new HashSet<string>(), minTempAge: TimeSpan.FromHours(1)));
        var plan = store.PlanClean(new HashSet<string>());
        Assert.Equal(new[] { tempFigure, tempManifest }.Order(StringComparer.Ordinal), plan.Select(i => i.Path));
        Assert.All(plan, i => Assert.Equal("runs", i.Stage));
        Assert.Equal(2, store.Delete(plan));
        Assert.False(File.Exists(tempManifest));
        Assert.False(File.Exists(tempFigure));
        Assert.True(File.Exists(manifest));
        Assert.True(File.Exists(lookalike));
    }

    [Theory]
    [InlineData("../etc", "ab")]
    [InlineData("dataset", "../ab")]
    [InlineData("dataset", "xyz")]
    [InlineData("", "ab")]
    [InlineData(".hidden", "ab")]
    public void InvalidStageOrKeyIsRejected(string stage, string key)
    {
        var store = new ArtifactStore(Path.GetTempPath());
        Assert.Throws<ArgumentException>(() => store.PathFor(stage, key));
    }

    [Fact]
    public async Task ReservedMetadataKeysAreRejectedOnWrite()
    {
        using var dir = new TempDir();
        var store = new ArtifactStore(dir.Path);
        Table t = TableFactory.Doubles(3, 0, "q").WithMetadata(new Dictionary<string, string> { [ArtifactStore.RowsMetadataKey] = "3" });
        await Assert.ThrowsAsync<ArgumentException>(() => store.WriteAsync(Stage, Key, t));
        Assert.Empty(dir.AllFiles());
    }
}
