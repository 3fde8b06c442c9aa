using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Hnn.Datasets;
using Hnn.Pipeline.Config;
using Hnn.Pipeline.Store;

namespace Hnn.Pipeline.Data;

/// <summary>
/// User data: a CSV (header line, comma-separated numbers) or Parquet file with columns q1..qd, p1..pd (states),
/// dq1..dqd, dp1..dpd (time derivatives) and optionally H. Every problem is an <see cref="InputException"/> that
/// names the file, the column, the row and the value.
/// </summary>
public static partial class DataFile
{
    /// <summary>What the header/schema says: degrees of freedom and whether H is present.</summary>
    public sealed record Layout(int Dof, bool HasEnergy);

    /// <summary>Longest line of a CSV file, in characters.</summary>
    public const int MaxLineChars = 1 << 16;

    /// <summary>Most data rows of a file (as data.train's upper bound).</summary>
    public const int MaxRows = int.MaxValue / 4;

    /// <summary>
    /// The header or schema. The file must be a regular file of at most <see cref="InputFile.MaxDataBytes"/> (no
    /// device, FIFO or directory; a symlink is followed and named with its target).
    /// </summary>
    public static Layout ReadLayout(string path) => NamingTarget(path, () => ReadLayoutCore(path));

    /// <summary>Reads and validates the whole file (finite values only).</summary>
    public static DataSet Read(string path) => NamingTarget(path, () => ReadCore(path));

    /// <summary>Messages about a symlinked file name the link and its target ("path (a symlink to target): ...").</summary>
    private static T NamingTarget<T>(string path, Func<T> read)
    {
        try
        {
            return read();
        }
        catch (InputException e) when (e.Message.StartsWith(path, StringComparison.Ordinal) && !e.Message.StartsWith(path + " (a symlink", StringComparison.Ordinal))
        {
            var shown = InputFile.Shown(path);
            if (shown == path)
            {
                throw;
            }

            throw new InputException(shown + e.Message[path.Length..]);
        }
    }

    private static Layout ReadLayoutCore(string path) => CheckColumns(path, HeaderOf(path, "data file"));

    /// <summary>
    /// The column names of a CSV (its header line) or Parquet file (its schema), after checking that it is a regular
    /// file of at most the data size cap; an unreadable Parquet file is bad input naming the file.
    /// </summary>
    private static List<string> HeaderOf(string path, string what)
    {
        InputFile.CheckRegular(path, what, InputFile.MaxDataBytes);
        if (new FileInfo(path).Length == 0)
        {
            throw new InputException($"{path}: the {what} is empty (0 bytes); it needs a header line{(IsParquet(path) ? " (or a Parquet schema)" : string.Empty)} and one row per point");
        }

        try
        {
            return IsParquet(path)
                ? ParquetTableIO.ReadSchemaAsync(path).GetAwaiter().GetResult().Select(c => c.Name).ToList()
                : CheckHeaderCells(path, [.. SplitCsv(FirstLine(path))]);
        }
        catch (Exception e) when (e is not InputException && IsParquet(path))
        {
            throw new InputException($"{path}: not a readable Parquet file: {Shown.Cut(WithoutPath(e.Message, path), 160)}");
        }
    }

    /// <summary>
    /// A CSV header with an empty cell (most often a trailing separator, "q1,p1,") is refused at line 1, naming the
    /// position; a header of one empty cell (an empty file) is left to the column checks, which say what is missing.
    /// </summary>
    internal static List<string> CheckHeaderCells(string path, List<string> header)
    {
        var empty = header.FindIndex(string.IsNullOrWhiteSpace);
        if (empty >= 0 && header.Count > 1)
        {
            var trailing = empty == header.Count - 1 ? " (a separator at the end of the line?)" : string.Empty;
            throw new InputException($"{path}:1: header cell {empty + 1} of {header.Count} is empty{trailing}; every column needs a name, e.g. q1,p1");
        }

        return header;
    }

    /// <summary>The reader's message without its leading "'path': " (the message names the file once, first).</summary>
    private static string WithoutPath(string message, string path) =>
        message.StartsWith($"'{path}': ", StringComparison.Ordinal) ? message[(path.Length + 4)..] : message;

    /// <summary>A Parquet data file as a table; an unreadable file is bad input naming the file (message cut short).</summary>
    private static Table ReadParquet(string path)
    {
        try
        {
            return ParquetTableIO.ReadAsync(path).GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is not InputException)
        {
            throw new InputException($"{path}: not a readable Parquet file: {Shown.Cut(WithoutPath(e.Message, path), 160)}");
        }
    }

    private static DataSet ReadCore(string path)
    {
        var layout = ReadLayoutCore(path);
        Dictionary<string, double[]> columns;
        int[]? lineOf = null;
        if (IsParquet(path))
        {
            var table = ReadParquet(path);
            columns = table.ColumnNames.ToDictionary(n => n, n => ToDouble(path, table.GetColumn(n)));
        }
        else
        {
            columns = ReadCsv(path, out lineOf);
        }

        var d = layout.Dof;
        var names = DataSet.ColumnNames(d);
        foreach (var name in names.Take(4 * d).Append("H").Where(columns.ContainsKey))
        {
            var col = columns[name];
            for (var k = 0; k < col.Length; k++)
            {
                if (!double.IsFinite(col[k]))
                {
                    var where = lineOf is null ? $"row {k + 1}" : $"row {k + 1} (line {lineOf[k]})";
                    throw new InputException($"{path}: column '{name}' {where} is {col[k].ToString(CultureInfo.InvariantCulture)}: data must be finite numbers");
                }
            }
        }

        var x = names.Take(2 * d).Select(n => columns[n]).ToArray();
        var dx = names.Skip(2 * d).Take(2 * d).Select(n => columns[n]).ToArray();
        var rows = x[0].Length;
        if (rows < 3)
        {
            throw new InputException($"{path}: {rows} row(s); need at least 3 (2 to train, 1 to test)");
        }

        var h = layout.HasEnergy ? columns["H"] : Enumerable.Repeat(double.NaN, rows).ToArray();
        return new DataSet(d, x, dx, h);
    }

    /// <summary>SHA-256 of the file's bytes (the cache key of a loaded data set).</summary>
    public static string ContentHash(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexString(SHA256.HashData(stream)).ToLowerInvariant();
    }

    private static Layout CheckColumns(string path, IReadOnlyList<string> names)
    {
        var dof = names.Count(n => QColumn().IsMatch(n));
        if (dof == 0)
        {
            throw new InputException($"{path}: no q1 column; expected columns q1..qd, p1..pd, dq1..dqd, dp1..dpd and optionally H ({Found(names)})");
        }

        var expected = DataSet.ColumnNames(dof).Take(4 * dof);
        var missing = expected.Where(n => !names.Contains(n)).ToList();
        if (missing.Count > 0)
        {
            throw new InputException($"{path}: missing column(s) {Shown.Cut(string.Join(", ", missing), 200)} for {dof} degree(s) of freedom ({Found(names)})");
        }

        var duplicate = names.GroupBy(n => n).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new InputException($"{path}: column '{Shown.Cut(duplicate.Key)}' appears twice");
        }

        return new Layout(dof, names.Contains("H"));
    }

    /// <summary>
    /// What the header holds, for a message: its column names if they look like names (letters, digits, '_', at
    /// most 32 characters each, at most 40 of them), else only how many cells it has, so that a file that is no CSV
    /// (e.g. /etc/shadow) is never echoed.
    /// </summary>
    internal static string Found(IReadOnlyList<string> names) =>
        names.Count <= 40 && names.All(n => ColumnName().IsMatch(n))
            ? $"found: {string.Join(", ", names)}"
            : names.Count == 1 && names[0].Split(';', '\t').Length > 1 && names[0].Split(';', '\t').All(n => ColumnName().IsMatch(n.Trim()))
            ? "found 1 header cell: the names are separated by ';' or tabs; data files are comma-separated (q1,p1,...)"
            : $"found {names.Count} header cell(s) that are not all column names; is this a CSV file with a header line?";

    /// <summary>The columns by name; <paramref name="lineOf"/>[k] is the line number of data row k (blank lines are skipped).</summary>
    private static Dictionary<string, double[]> ReadCsv(string path, out int[] lineOf)
    {
        using var reader = new StreamReader(path);
        var header = SplitCsv(ReadLine(reader, path, 1) ?? string.Empty);
        var values = header.Select(_ => new List<double>()).ToArray();
        var lines = new List<int>();
        foreach (var (line, cells) in CsvRows(reader, path, SplitCsv, header.Length, string.Empty))
        {
            for (var i = 0; i < cells.Length; i++)
            {
                values[i].Add(ParseCell(path, line, header[i], cells[i]));
            }

            lines.Add(line);
        }

        lineOf = [.. lines];

        return header.Select((h, i) => (h, i)).ToDictionary(p => p.h, p => values[p.i].ToArray());
    }

    /// <summary>
    /// The data rows of a CSV after its header line (data files and trajectory files): blank lines skipped, at most
    /// <see cref="MaxRows"/>, each split into exactly <paramref name="cellCount"/> cells, with its line number; otherwise
    /// a one-line <see cref="InputException"/> naming the line (<paramref name="note"/> ends the cell-count message).
    /// </summary>
    private static IEnumerable<(int Line, string[] Cells)> CsvRows(StreamReader reader, string path, Func<string, string[]> split, int cellCount, string note)
    {
        var line = 1;
        var rows = 0;
        while (ReadLine(reader, path, line + 1) is { } text)
        {
            line++;
            if (string.IsNullOrWhiteSpace(text))
            {
                continue;
            }

            if (rows == MaxRows)
            {
                throw new InputException($"{path}:{line}: more than {MaxRows} data rows; at most {MaxRows} are allowed");
            }

            var cells = split(text);
            if (cells.Length != cellCount)
            {
                throw new InputException($"{path}:{line}: {cells.Length} value(s), the header has {cellCount} column(s){note}");
            }

            rows++;
            yield return (line, cells);
        }
    }

    /// <summary>One CSV cell as a double, or an error naming the file, line, column and (cut) value.</summary>
    private static double ParseCell(string path, int line, string column, string cell) =>
        double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out var v)
            ? v
            : throw new InputException($"{path}:{line}: column '{Shown.Cut(column)}' value '{Shown.Cut(cell)}' is not a number");

    private static double[] ToDouble(string path, TableColumn column) => column.Values switch
    {
        double[] d => d,
        long[] l => [.. l.Select(v => (double)v)],
        int[] n => [.. n.Select(v => (double)v)],
        _ => throw new InputException($"{path}: column '{column.Name}' is not numeric"),
    };

    private static string[] SplitCsv(string line) => [.. line.Split(',').Select(c => c.Trim().Trim('"'))];

    private static string FirstLine(string path)
    {
        using var reader = new StreamReader(path);
        return ReadLine(reader, path, 1) ?? string.Empty;
    }

    /// <summary>
    /// One line of at most <see cref="MaxLineChars"/> characters (StreamReader.ReadLine has no limit: a file without
    /// line breaks would be read whole); a NUL character means a binary file.
    /// </summary>
    internal static string? ReadLine(StreamReader reader, string path, int lineNumber)
    {
        var sb = new StringBuilder();
        while (true)
        {
            var c = reader.Read();
            if (c < 0)
            {
                return sb.Length == 0 ? null : sb.ToString();
            }

            if (c == '\n')
            {
                return sb.ToString();
            }

            if (c == '\0')
            {
                throw new InputException($"{path}:{lineNumber}: a NUL byte; a CSV data file must be text (is it a binary file?)");
            }

            if (c != '\r')
            {
                if (sb.Length == MaxLineChars)
                {
                    throw new InputException($"{path}:{lineNumber}: line longer than {MaxLineChars} characters; is this a CSV file?");
                }

                sb.Append((char)c);
            }
        }
    }

    private static bool IsParquet(string path) => path.EndsWith(".parquet", StringComparison.OrdinalIgnoreCase);

    [GeneratedRegex("^q[0-9]+$")]
    private static partial Regex QColumn();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]{0,31}$")]
    private static partial Regex ColumnName();
}
