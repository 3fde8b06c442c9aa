using System.Globalization;
using Hnn.Pipeline.Config;
using Hnn.Stages.Model;

namespace Hnn.Pipeline.Data;

/// <summary>
/// Hidden-layer parameters of a network from a CSV file (the layout of the reference folders, e.g. a PyTorch run's
/// initial parameters): a header, then one row per hidden neuron j with columns w_q1..w_qd, w_p1..w_pd (its input
/// weights), b (its bias) and c (its output weight), in any column order. There is no output bias: where these files
/// are used (adam.init_file) it has no gradient and the anchor sets it. Every problem is an
/// <see cref="InputException"/> naming the file, the line, the column and the value.
/// </summary>
public static class NetworkFile
{
    /// <summary>The expected header for <paramref name="dof"/> degrees of freedom.</summary>
    public static IReadOnlyList<string> ColumnNames(int dof) =>
    [
        .. Enumerable.Range(1, dof).Select(i => $"w_q{i}"),
        .. Enumerable.Range(1, dof).Select(i => $"w_p{i}"),
        "b",
        "c",
    ];

    /// <summary>
    /// Reads and validates the file: columns exactly <see cref="ColumnNames"/>(<paramref name="dof"/>), at least one row,
    /// finite numbers. The network's output bias is 0.
    /// </summary>
    public static Network Read(string path, int dof)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dof, 1);
        var expected = ColumnNames(dof);
        var allowed = $"a CSV with header {string.Join(",", expected)} and one row per hidden neuron";
        if (!File.Exists(path) && !Directory.Exists(path))
        {
            throw new InputException($"{path}: not found (or not a regular file); allowed: {allowed}");
        }

        // A device (/dev/zero), FIFO or directory is refused before it is opened (reading one would never end or
        // block), lines are bounded (DataFile.ReadLine), and messages never echo the file's content: a header that is
        // not column names is counted, not quoted (/etc/passwd, /proc/self/environ).
        InputFile.CheckRegular(path, "network file", InputFile.MaxDataBytes);
        using var reader = new StreamReader(path);
        var header = Split(DataFile.ReadLine(reader, path, 1) ?? string.Empty);
        var missing = expected.Where(n => !header.Contains(n)).ToList();
        var extra = header.Where(n => !expected.Contains(n)).ToList();
        if (missing.Count > 0 || extra.Count > 0 || header.Length != expected.Count)
        {
            var what = missing.Count > 0 ? $"missing column(s) {string.Join(", ", missing)}"
                : extra.Count > 0 ? $"unexpected column(s) {Shown.Cut(string.Join(", ", extra.Select(e => Shown.Cut(e))), 200)}"
                : "a repeated column";
            throw new InputException($"{path}: {what} ({DataFile.Found(header)}); allowed: {allowed} ({dof} degree(s) of freedom)");
        }

        var values = header.Select(_ => new List<double>()).ToArray();
        var line = 1;
        while (DataFile.ReadLine(reader, path, line + 1) is { } text)
        {
            line++;
            if (string.IsNullOrWhiteSpace(text))
            {
                continue;
            }

            if (values[0].Count == DataFile.MaxRows)
            {
                throw new InputException($"{path}:{line}: more than {DataFile.MaxRows} rows; at most {DataFile.MaxRows} hidden neurons are allowed");
            }

            var cells = Split(text);
            if (cells.Length != header.Length)
            {
                throw new InputException($"{path}:{line}: {cells.Length} value(s), the header has {header.Length} column(s)");
            }

            for (var i = 0; i < cells.Length; i++)
            {
                if (!double.TryParse(cells[i], NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || !double.IsFinite(v))
                {
                    throw new InputException($"{path}:{line}: column '{Shown.Cut(header[i])}' value '{Shown.Cut(cells[i])}' is not allowed: must be a finite number");
                }

                values[i].Add(v);
            }
        }

        if (values[0].Count == 0)
        {
            throw new InputException($"{path}: no rows; allowed: {allowed}");
        }

        double[] Column(string name) => [.. values[Array.IndexOf(header, name)]];
        var weights = expected.Take(2 * dof).Select(Column).ToArray();
        return new Network(new HiddenLayer(weights, Column("b")), Column("c"), 0);
    }

    private static string[] Split(string line) => [.. line.Split(',').Select(c => c.Trim().Trim('"'))];
}
