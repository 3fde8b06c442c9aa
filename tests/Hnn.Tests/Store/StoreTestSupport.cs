using Hnn.Pipeline.Store;
using Xunit;

namespace Hnn.Tests.Store;

/// <summary>A fresh directory under the system temp dir, removed on dispose.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "hnn-store-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>All files below the directory, relative, sorted.</summary>
    public string[] AllFiles() => Directory.EnumerateFiles(Path, "*", SearchOption.AllDirectories)
        .Select(f => System.IO.Path.GetRelativePath(Path, f))
        .Order(StringComparer.Ordinal)
        .ToArray();

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}

internal static class TableFactory
{
    /// <summary>Random finite doubles from random bit patterns (all exponents incl. subnormals; no NaN).</summary>
    public static double[] RandomDoubles(Random rng, int n)
    {
        var a = new double[n];
        for (int i = 0; i < n; i++)
        {
            double d;
            do
            {
                d = BitConverter.Int64BitsToDouble(rng.NextInt64(long.MinValue, long.MaxValue));
            }
            while (double.IsNaN(d));

            a[i] = d;
        }

        if (n >= 4)
        {
            a[0] = -0.0;
            a[1] = double.PositiveInfinity;
            a[2] = double.Epsilon;
            a[3] = double.MaxValue;
        }

        return a;
    }

    public static Table Mixed(int rows, int seed, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var rng = new Random(seed);
        var longs = new long[rows];
        var ints = new int[rows];
        for (int i = 0; i < rows; i++)
        {
            longs[i] = rng.NextInt64(long.MinValue, long.MaxValue);
            ints[i] = rng.Next(int.MinValue, int.MaxValue);
        }

        return new Table(
        [
            new TableColumn("q", RandomDoubles(rng, rows)),
            new TableColumn("p", RandomDoubles(rng, rows)),
            new TableColumn("dq/dt", RandomDoubles(rng, rows)),
            new TableColumn("step", longs),
            new TableColumn("traj", ints),
        ], metadata);
    }

    public static Table Doubles(int rows, int seed, params string[] names)
    {
        var rng = new Random(seed);
        return Table.FromDoubles(names.Select(n => (n, RandomDoubles(rng, rows))));
    }

    public static void AssertSameData(Table expected, Table actual)
    {
        Assert.Equal(expected.Schema, actual.Schema);
        Assert.Equal(expected.RowCount, actual.RowCount);
        for (int c = 0; c < expected.ColumnCount; c++)
        {
            TableColumn e = expected.Columns[c];
            TableColumn a = actual.Columns[c];
            switch (e.Type)
            {
                case ColumnType.Double:
                    long[] eb = ((double[])e.Values).Select(BitConverter.DoubleToInt64Bits).ToArray();
                    long[] ab = ((double[])a.Values).Select(BitConverter.DoubleToInt64Bits).ToArray();
                    Assert.True(eb.AsSpan().SequenceEqual(ab), $"column '{e.Name}' differs bitwise");
                    break;
                case ColumnType.Int64:
                    Assert.True(((long[])e.Values).AsSpan().SequenceEqual((long[])a.Values), $"column '{e.Name}' differs");
                    break;
                case ColumnType.Int32:
                    Assert.True(((int[])e.Values).AsSpan().SequenceEqual((int[])a.Values), $"column '{e.Name}' differs");
                    break;
                default:
                    Assert.Fail($"unexpected type {e.Type}");
                    break;
            }
        }
    }

    /// <summary>Concatenates same-schema tables (metadata of the first).</summary>
    public static Table Concat(IReadOnlyList<Table> parts)
    {
        Table first = parts[0];
        var cols = new List<TableColumn>();
        for (int c = 0; c < first.ColumnCount; c++)
        {
            ColumnSpec s = first.Schema[c];
            cols.Add(s.Type switch
            {
                ColumnType.Double => new TableColumn(s.Name, parts.SelectMany(p => (double[])p.Columns[c].Values).ToArray()),
                ColumnType.Int64 => new TableColumn(s.Name, parts.SelectMany(p => (long[])p.Columns[c].Values).ToArray()),
                _ => new TableColumn(s.Name, parts.SelectMany(p => (int[])p.Columns[c].Values).ToArray()),
            });
        }

        return new Table(cols, first.Metadata);
    }
}
