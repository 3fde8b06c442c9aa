using Parquet;

namespace Hnn.Pipeline.Store;

public static partial class ParquetTableIO
{
    /// <summary>
    /// Opens a file for reading by row group (random access): the footer gives each group's row count, so a caller can
    /// read only the groups that hold the rows it needs. One reader is not thread-safe; open one per consumer.
    /// </summary>
    public static async Task<RowGroupFile> OpenRowGroupsAsync(string path, CancellationToken ct = default)
    {
        ParquetReader reader = await OpenAsync(path, ct).ConfigureAwait(false);
        try
        {
            var cols = MapSchema(reader.Schema, path);
            var rows = new long[reader.RowGroupCount];
            for (int g = 0; g < rows.Length; g++)
            {
                rows[g] = reader.OpenRowGroupReader(g).RowCount;
            }

            return new RowGroupFile(path, reader, cols, rows);
        }
        catch
        {
            await reader.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>An open Parquet file read one row group at a time (see <see cref="OpenRowGroupsAsync"/>).</summary>
    public sealed class RowGroupFile : IAsyncDisposable
    {
        private readonly ParquetReader _reader;
        private readonly SourceColumn[] _cols;
        private readonly long[] _starts;

        internal RowGroupFile(string path, ParquetReader reader, SourceColumn[] cols, long[] rows)
        {
            Path = path;
            _reader = reader;
            _cols = cols;
            GroupRows = rows;
            _starts = new long[rows.Length + 1];
            for (int g = 0; g < rows.Length; g++)
            {
                _starts[g + 1] = _starts[g] + rows[g];
            }
        }

        public string Path { get; }

        /// <summary>Rows of each row group, in file order.</summary>
        public IReadOnlyList<long> GroupRows { get; }

        public long RowCount => _starts[^1];

        /// <summary>The first row of group <paramref name="group"/> (group = GroupRows.Count gives RowCount).</summary>
        public long GroupStart(int group) => _starts[group];

        /// <summary>The row group holding row <paramref name="row"/> (0 &lt;= row &lt; RowCount).</summary>
        public int GroupOf(long row)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(row);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(row, RowCount);
            var i = Array.BinarySearch(_starts, row);
            return i >= 0 ? LastStartingAt(i) : ~i - 1;
        }

        /// <summary>Reads one row group as a table (the file's metadata is not attached).</summary>
        public async Task<Table> ReadGroupAsync(int group, CancellationToken ct = default)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(group);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(group, GroupRows.Count);
            ParquetRowGroupReader rg = _reader.OpenRowGroupReader(group);
            if (rg.RowCount > Array.MaxLength)
            {
                throw new NotSupportedException($"'{Path}': row group {group} has {rg.RowCount} rows.");
            }

            int n = (int)rg.RowCount;
            var arrays = new Array[_cols.Length];
            for (int i = 0; i < _cols.Length; i++)
            {
                arrays[i] = Allocate(_cols[i].Spec.Type, n);
                await ReadColumnAsync(rg, _cols[i], arrays[i], 0, n, Path, ct).ConfigureAwait(false);
            }

            return new Table(_cols.Select((c, i) => MakeColumn(c.Spec, arrays[i])));
        }

        public ValueTask DisposeAsync() => _reader.DisposeAsync();

        // Empty groups share a start: the row belongs to the last group starting there.
        private int LastStartingAt(int i)
        {
            while (i + 1 < GroupRows.Count && _starts[i + 1] == _starts[i])
            {
                i++;
            }

            return i;
        }
    }
}
