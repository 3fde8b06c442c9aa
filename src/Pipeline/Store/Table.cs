using System.Collections.ObjectModel;

namespace Hnn.Pipeline.Store;

/// <summary>Physical element type of a <see cref="TableColumn"/>. Maps 1:1 to Parquet DOUBLE / INT64 / INT32.</summary>
public enum ColumnType
{
    Double,
    Int64,
    Int32,
}

/// <summary>Name and type of one column; a table's schema is the ordered list of these.</summary>
public readonly record struct ColumnSpec(string Name, ColumnType Type)
{
    public override string ToString() => $"{Name}:{Type}";
}

/// <summary>
/// One named column. The array is held by reference, not copied: do not mutate it after
/// handing it to a <see cref="Table"/>.
/// </summary>
public sealed class TableColumn
{
    public TableColumn(string name, double[] values) : this(name, ColumnType.Double, values) { }

    public TableColumn(string name, long[] values) : this(name, ColumnType.Int64, values) { }

    public TableColumn(string name, int[] values) : this(name, ColumnType.Int32, values) { }

    private TableColumn(string name, ColumnType type, Array values)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(values);
        if (name.Length == 0 || string.IsNullOrWhiteSpace(name))
        {
            throw new ArgumentException("Column name must not be empty or whitespace.", nameof(name));
        }

        Name = name;
        Type = type;
        Values = values;
    }

    public string Name { get; }

    public ColumnType Type { get; }

    /// <summary>The underlying <c>double[]</c>, <c>long[]</c> or <c>int[]</c> (per <see cref="Type"/>).</summary>
    public Array Values { get; }

    public int Length => Values.Length;

    public ColumnSpec Spec => new(Name, Type);

    public override string ToString() => $"{Name}:{Type}[{Length}]";
}

/// <summary>
/// An immutable, ordered set of equal-length named columns plus small string key/value metadata.
/// Column arrays are not copied (treat them as frozen once in a table).
/// </summary>
public sealed class Table
{
    private static readonly IReadOnlyDictionary<string, string> EmptyMetadata =
        new ReadOnlyDictionary<string, string>(new Dictionary<string, string>(StringComparer.Ordinal));

    private readonly TableColumn[] _columns;
    private readonly Dictionary<string, int> _index;

    public Table(IEnumerable<TableColumn> columns, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(columns);
        _columns = columns.ToArray();
        _index = new Dictionary<string, int>(_columns.Length, StringComparer.Ordinal);

        for (int i = 0; i < _columns.Length; i++)
        {
            TableColumn c = _columns[i] ?? throw new ArgumentException($"Column #{i} is null.", nameof(columns));
            if (!_index.TryAdd(c.Name, i))
            {
                throw new ArgumentException(
                    $"Duplicate column name '{c.Name}' (at positions {_index[c.Name]} and {i}).", nameof(columns));
            }

            if (c.Length != _columns[0].Length)
            {
                throw new ArgumentException(
                    $"Column '{c.Name}' has {c.Length} rows but column '{_columns[0].Name}' has {_columns[0].Length}; " +
                    "all columns must have equal length.", nameof(columns));
            }
        }

        RowCount = _columns.Length == 0 ? 0 : _columns[0].Length;
        ColumnNames = Array.AsReadOnly(_columns.Select(c => c.Name).ToArray());
        Schema = Array.AsReadOnly(_columns.Select(c => c.Spec).ToArray());
        Metadata = CopyMetadata(metadata);
    }

    /// <summary>Convenience factory for the common all-double case: <c>Table.FromDoubles([("x", xs), ("y", ys)])</c>.</summary>
    public static Table FromDoubles(
        IEnumerable<(string Name, double[] Values)> columns,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(columns);
        return new Table(columns.Select(c => new TableColumn(c.Name, c.Values)), metadata);
    }

    public int RowCount { get; }

    public int ColumnCount => _columns.Length;

    public IReadOnlyList<string> ColumnNames { get; }

    public IReadOnlyList<ColumnSpec> Schema { get; }

    public IReadOnlyList<TableColumn> Columns => _columns;

    public IReadOnlyDictionary<string, string> Metadata { get; }

    public bool HasColumn(string name) => _index.ContainsKey(name);

    /// <summary>The column with this name; throws <see cref="KeyNotFoundException"/> listing the present columns.</summary>
    public TableColumn GetColumn(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (_index.TryGetValue(name, out int i))
        {
            return _columns[i];
        }

        string present = _columns.Length == 0 ? "(none)" : string.Join(", ", _columns.Select(c => $"'{c.Name}'"));
        throw new KeyNotFoundException($"Table has no column '{name}'. Present columns: {present}.");
    }

    /// <summary>The <c>double[]</c> of a <see cref="ColumnType.Double"/> column (no copy).</summary>
    public double[] Column(string name) => Typed<double>(name, ColumnType.Double);

    /// <summary>The <c>long[]</c> of a <see cref="ColumnType.Int64"/> column (no copy).</summary>
    public long[] Int64Column(string name) => Typed<long>(name, ColumnType.Int64);

    /// <summary>The <c>int[]</c> of a <see cref="ColumnType.Int32"/> column (no copy).</summary>
    public int[] Int32Column(string name) => Typed<int>(name, ColumnType.Int32);

    /// <summary>Same columns (shared, not copied), different metadata.</summary>
    public Table WithMetadata(IReadOnlyDictionary<string, string>? metadata) => new(_columns, metadata);

    public override string ToString() =>
        $"Table[{RowCount} rows; {string.Join(", ", Schema)}]";

    private T[] Typed<T>(string name, ColumnType expected)
    {
        TableColumn c = GetColumn(name);
        if (c.Type != expected)
        {
            throw new InvalidOperationException(
                $"Column '{name}' is of type {c.Type}, not {expected}.");
        }

        return (T[])c.Values;
    }

    private static IReadOnlyDictionary<string, string> CopyMetadata(IReadOnlyDictionary<string, string>? metadata)
    {
        if (metadata is null || metadata.Count == 0)
        {
            return EmptyMetadata;
        }

        var copy = new Dictionary<string, string>(metadata.Count, StringComparer.Ordinal);
        foreach (KeyValuePair<string, string> kv in metadata)
        {
            if (string.IsNullOrEmpty(kv.Key))
            {
                throw new ArgumentException("Metadata keys must be non-empty.", nameof(metadata));
            }

            copy[kv.Key] = kv.Value ?? throw new ArgumentException($"Metadata value for '{kv.Key}' is null.", nameof(metadata));
        }

        return new ReadOnlyDictionary<string, string>(copy);
    }
}
