namespace Hnn.Pipeline.Store;

/// <summary>Page compression for written files. Both are readable by pandas/pyarrow/DuckDB.</summary>
public enum ParquetCompression
{
    /// <summary>Uncompressed pages: fastest; random doubles barely compress anyway.</summary>
    None,

    /// <summary>Snappy (pyarrow's default): cheap, helps for repetitive/integer data.</summary>
    Snappy,
}

/// <summary>How <see cref="ParquetTableIO"/>, <see cref="ParquetTableWriter"/> and <see cref="ArtifactStore"/> write files.</summary>
public sealed record ParquetWriteOptions
{
    /// <summary>1,048,576 rows.</summary>
    public const int DefaultRowGroupSize = 1 << 20;

    public static ParquetWriteOptions Default { get; } = new();

    /// <summary>Maximum rows per row group; larger appended chunks are split. Must be positive.</summary>
    public int RowGroupSize { get; init; } = DefaultRowGroupSize;

    public ParquetCompression Compression { get; init; } = ParquetCompression.Snappy;

    internal void Validate()
    {
        if (RowGroupSize <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(RowGroupSize), RowGroupSize, "Row group size must be positive.");
        }

        if (!Enum.IsDefined(Compression))
        {
            throw new ArgumentOutOfRangeException(nameof(Compression), Compression, "Unknown compression.");
        }
    }
}
