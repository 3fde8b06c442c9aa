using System.Globalization;
using System.Text.RegularExpressions;
using Hnn.Datasets;
using Hnn.Pipeline.Config;
using Hnn.Pipeline.Store;

namespace Hnn.Pipeline.Data;

/// <summary>
/// Trajectory files (issue 13): a CSV (header line; comma, semicolon or tab separated — the separator is sniffed from
/// the header: the most frequent of the three) or Parquet file with columns <c>traj</c> (a trajectory id), <c>t</c>,
/// <c>q1..qd</c>, <c>p1..pd</c>; other names can be mapped onto these (canonical name -> column name in the file).
/// Every row is one observation; the rows of a trajectory are in increasing t (they need not be contiguous; steps may
/// be uneven); trajectories are ordered by their first row. The same file checks and limits as a data file
/// (<see cref="DataFile"/>). Every problem is an <see cref="InputException"/> naming the file, the line (CSV) or row
/// (Parquet) and the column, quoting at most the offending cell.
/// </summary>
public static partial class DataFile
{
    /// <summary>The canonical column names of a trajectory file with d degrees of freedom: traj, t, q1..qd, p1..pd.</summary>
    public static IReadOnlyList<string> TrajectoryColumnNames(int dof) =>
        ["traj", "t", .. DataSet.ColumnNames(dof).Take(2 * dof)];

    /// <summary>
    /// Reads a trajectory file. <paramref name="mapping"/> maps canonical names (traj, t, q1.., p1..) to the file's
    /// column names; <paramref name="dof"/>, if given, is the d the file must have (the system's).
    /// </summary>
    public static TrajectorySet ReadTrajectories(string path, IReadOnlyDictionary<string, string>? mapping = null, int? dof = null) =>
        NamingTarget(path, () => ReadTrajectoriesCore(path, mapping ?? new Dictionary<string, string>(), dof));

    private static TrajectorySet ReadTrajectoriesCore(string path, IReadOnlyDictionary<string, string> mapping, int? expectedDof)
    {
        InputFile.CheckRegular(path, "trajectory file", InputFile.MaxDataBytes);
        var parquet = IsParquet(path);
        Table? table = null;
        List<string> header;
        var separator = ',';
        if (parquet)
        {
            table = ReadParquet(path);
            header = [.. table.ColumnNames];
        }
        else
        {
            var first = FirstLine(path);
            separator = Sniff(first);
            header = CheckHeaderCells(path, [.. SplitCells(first, separator)]);
        }

        // File column -> canonical name.
        var canonicalOf = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (canonical, column) in mapping)
        {
            if (!header.Contains(column))
            {
                throw new InputException($"{path}: column '{Shown.Cut(column)}' (mapped to '{Shown.Cut(canonical)}') not found ({Found(header)})");
            }

            canonicalOf[column] = canonical;
        }

        var duplicate = header.GroupBy(n => n).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new InputException($"{path}: column '{Shown.Cut(duplicate.Key)}' appears twice");
        }

        var names = header.Select(n => canonicalOf.TryGetValue(n, out var c) ? c : n).ToList();
        var dof = names.Count(n => QColumn().IsMatch(n));
        if (dof == 0)
        {
            throw new InputException($"{path}: no q1 column; a trajectory file has columns traj, t, q1..qd, p1..pd ({Found(header)}; other names can be mapped onto these)");
        }

        if (expectedDof is { } want && want != dof)
        {
            throw new InputException($"{path}: {dof} degree(s) of freedom (columns q1..q{dof}), but the system has {want}; the columns must be {string.Join(", ", TrajectoryColumnNames(want))}");
        }

        var expected = TrajectoryColumnNames(dof);
        var missing = expected.Where(n => !names.Contains(n)).ToList();
        if (missing.Count > 0)
        {
            throw new InputException($"{path}: missing column(s) {Shown.Cut(string.Join(", ", missing), 200)} for {dof} degree(s) of freedom ({Found(header)})");
        }

        var unknown = names.Select((n, i) => (n, i)).FirstOrDefault(p => !expected.Contains(p.n));
        if (unknown.n is not null)
        {
            throw new InputException($"{path}: unknown column '{Shown.Cut(header[unknown.i])}'; a trajectory file has exactly the columns {string.Join(", ", expected)} (other names can be mapped onto these)");
        }

        var index = expected.Select(n => names.IndexOf(n)).ToArray(); // canonical position -> file column
        var fileName = expected.Select((_, c) => header[index[c]]).ToArray();
        string[] ids;
        double[][] values; // [canonical column 1.. (t, q.., p..)][row]
        int[]? lineOf = null;
        if (table is not null)
        {
            ids = TrajectoryIds(path, table.GetColumn(fileName[0]));
            values = [.. Enumerable.Range(1, expected.Count - 1).Select(c => ToDouble(path, table.GetColumn(fileName[c])))];
        }
        else
        {
            (ids, values, lineOf) = ReadTrajectoryCsv(path, separator, header.Count, index, fileName);
        }

        return Group(path, ids, values, lineOf, fileName, dof);
    }

    private static (string[] Ids, double[][] Values, int[] LineOf) ReadTrajectoryCsv(string path, char separator, int cellCount, int[] index, string[] fileName)
    {
        using var reader = new StreamReader(path);
        _ = ReadLine(reader, path, 1);
        var ids = new List<string>();
        var values = Enumerable.Range(1, index.Length - 1).Select(_ => new List<double>()).ToArray();
        var lines = new List<int>();
        foreach (var (line, cells) in CsvRows(reader, path, text => SplitCells(text, separator), cellCount, $" (separator '{Describe(separator)}')"))
        {
            var id = cells[index[0]];
            if (id.Length == 0)
            {
                throw new InputException($"{path}:{line}: column '{Shown.Cut(fileName[0])}' is empty; every row needs a trajectory id");
            }

            ids.Add(id);
            for (var c = 1; c < index.Length; c++)
            {
                values[c - 1].Add(ParseCell(path, line, fileName[c], cells[index[c]]));
            }

            lines.Add(line);
        }

        return ([.. ids], [.. values.Select(v => v.ToArray())], [.. lines]);
    }

    /// <summary>Groups rows into trajectories, checking finite values, strictly increasing t and at least two rows each.</summary>
    private static TrajectorySet Group(string path, string[] ids, double[][] values, int[]? lineOf, string[] fileName, int dof)
    {
        string Where(int k) => lineOf is null ? $"{path}: row {k + 1}" : $"{path}:{lineOf[k]}";
        string At(int k) => lineOf is null ? $"row {k + 1}" : $"line {lineOf[k]}";
        var rows = ids.Length;
        if (rows == 0)
        {
            throw new InputException($"{path}: no data rows; give one observation per row under the header {string.Join(",", fileName)}");
        }

        for (var c = 0; c < values.Length; c++)
        {
            for (var k = 0; k < rows; k++)
            {
                if (!double.IsFinite(values[c][k]))
                {
                    throw new InputException($"{Where(k)}: column '{Shown.Cut(fileName[c + 1])}' is {values[c][k].ToString(CultureInfo.InvariantCulture)}: values must be finite numbers");
                }
            }
        }

        var order = new List<string>();
        var rowsOf = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        var t = values[0];
        for (var k = 0; k < rows; k++)
        {
            if (!rowsOf.TryGetValue(ids[k], out var list))
            {
                rowsOf[ids[k]] = list = [];
                order.Add(ids[k]);
            }
            else
            {
                var prev = list[^1];
                if (t[k] == t[prev])
                {
                    throw new InputException(
                        $"{Where(k)}: column '{Shown.Cut(fileName[1])}' value {Format(t[k])} of trajectory '{Shown.Cut(ids[k])}' repeats the time of {At(prev)}; times must be strictly increasing within a trajectory");
                }

                if (t[k] < t[prev])
                {
                    throw new InputException(
                        $"{Where(k)}: column '{Shown.Cut(fileName[1])}' value {Format(t[k])} of trajectory '{Shown.Cut(ids[k])}' is before t = {Format(t[prev])} of {At(prev)}; the rows of a trajectory must be sorted by t");
                }
            }

            list.Add(k);
        }

        var series = new List<TrajectorySeries>(order.Count);
        foreach (var id in order)
        {
            var list = rowsOf[id];
            if (list.Count < 2)
            {
                throw new InputException(
                    $"{Where(list[0])}: column '{Shown.Cut(fileName[0])}': trajectory '{Shown.Cut(id)}' has a single row; a trajectory needs at least 2 observations (one step)");
            }

            var times = list.Select(k => t[k]).ToArray();
            var states = Enumerable.Range(0, 2 * dof).Select(i => list.Select(k => values[1 + i][k]).ToArray()).ToArray();
            series.Add(new TrajectorySeries(id, times, states));
        }

        return new TrajectorySet(series);
    }

    private static string[] TrajectoryIds(string path, TableColumn column) => column.Values switch
    {
        long[] l => [.. l.Select(v => v.ToString(CultureInfo.InvariantCulture))],
        int[] n => [.. n.Select(v => v.ToString(CultureInfo.InvariantCulture))],
        double[] d => [.. d.Select((v, k) => double.IsFinite(v)
            ? v.ToString("R", CultureInfo.InvariantCulture)
            : throw new InputException($"{path}: row {k + 1}: column '{Shown.Cut(column.Name)}' is {v.ToString(CultureInfo.InvariantCulture)}: a trajectory id must be a finite number"))],
        _ => throw new InputException($"{path}: column '{Shown.Cut(column.Name)}' is not numeric"),
    };

    /// <summary>The most frequent of ',', ';' and tab in the header line (',' when none occurs).</summary>
    private static char Sniff(string header)
    {
        var best = ',';
        var bestCount = 0;
        foreach (var c in new[] { ',', ';', '\t' })
        {
            var n = header.Count(ch => ch == c);
            if (n > bestCount)
            {
                best = c;
                bestCount = n;
            }
        }

        return best;
    }

    private static string[] SplitCells(string line, char separator) => [.. line.Split(separator).Select(c => c.Trim().Trim('"'))];

    private static string Describe(char separator) => separator == '\t' ? "tab" : separator.ToString();

    private static string Format(double v) => v.ToString("R", CultureInfo.InvariantCulture);
}
