using System.Globalization;
using Hnn.Pipeline.Config;
using Hnn.Pipeline.Store;

namespace Hnn.Pipeline.Data;

/// <summary>States only (the input of <c>hnn predict</c>): the same files and checks as a data file, columns q1..qd, p1..pd.</summary>
public static partial class DataFile
{
    /// <summary>
    /// Reads the states of a CSV (header line, comma-separated numbers) or Parquet file: columns q1..qd, p1..pd for
    /// <paramref name="dof"/> degrees of freedom (other numeric columns are ignored), at least one row, finite numbers.
    /// Returns 2d columns. Every problem is an <see cref="InputException"/> naming the file, the line or row and the
    /// column, quoting at most the offending cell.
    /// </summary>
    public static double[][] ReadStates(string path, int dof) => NamingTarget(path, () => ReadStatesCore(path, dof));

    private static double[][] ReadStatesCore(string path, int dof)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dof, 1);
        var names = HeaderOf(path, "input file");

        var expected = Hnn.Datasets.DataSet.ColumnNames(dof).Take(2 * dof).ToList();
        var missing = expected.Where(n => !names.Contains(n)).ToList();
        if (missing.Count > 0)
        {
            throw new InputException($"{path}: missing column(s) {string.Join(", ", missing)}; the model has {dof} degree(s) of freedom, so the columns are {string.Join(", ", expected)} ({Found(names)})");
        }

        var extra = names.FirstOrDefault(n => StateColumn().IsMatch(n) && !expected.Contains(n));
        if (extra is not null)
        {
            throw new InputException($"{path}: column '{extra}', but the model has {dof} degree(s) of freedom (columns {string.Join(", ", expected)})");
        }

        var duplicate = names.GroupBy(n => n).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new InputException($"{path}: column '{Shown.Cut(duplicate.Key)}' appears twice");
        }

        Dictionary<string, double[]> columns;
        int[]? lineOf = null;
        if (IsParquet(path))
        {
            var table = ReadParquet(path);
            columns = expected.ToDictionary(n => n, n => ToDouble(path, table.GetColumn(n)));
        }
        else
        {
            columns = ReadCsv(path, out lineOf);
        }

        foreach (var name in expected)
        {
            var col = columns[name];
            for (var k = 0; k < col.Length; k++)
            {
                if (!double.IsFinite(col[k]))
                {
                    var where = lineOf is null ? $"row {k + 1}" : $"line {lineOf[k]} (row {k + 1})";
                    throw new InputException($"{path}: {where} column '{name}' is {col[k].ToString(CultureInfo.InvariantCulture)}: states must be finite numbers");
                }
            }
        }

        if (columns[expected[0]].Length == 0)
        {
            throw new InputException($"{path}: no data rows; give one state per row under the header {string.Join(",", expected)}");
        }

        return [.. expected.Select(n => columns[n])];
    }

    [System.Text.RegularExpressions.GeneratedRegex("^[qp][0-9]+$")]
    private static partial System.Text.RegularExpressions.Regex StateColumn();
}
