using System.Globalization;
using Hnn.Datasets;
using Hnn.Pipeline.Store;
using Hnn.Stages.Evaluation;
using Hnn.Stages.Model;
using Hnn.Stages.Rollout;

namespace Hnn.Pipeline.Execution;

/// <summary>
/// Stage outputs to and from plain Parquet tables with named columns (q1.., p1.., dq1.., dp1.., H; w_q1.., b, c).
/// </summary>
public static class Codecs
{
    public const string SecondsKey = "hnn.seconds";

    public static string[] CoordinateNames(int dof) =>
        [.. Enumerable.Range(1, dof).Select(i => $"q{i}"), .. Enumerable.Range(1, dof).Select(i => $"p{i}")];

    public static Table FromDataSet(DataSet data)
    {
        var names = DataSet.ColumnNames(data.Dof);
        var cols = new List<(string, double[])>();
        for (var i = 0; i < 2 * data.Dof; i++)
        {
            cols.Add((names[i], data.X[i]));
        }

        for (var i = 0; i < 2 * data.Dof; i++)
        {
            cols.Add((names[(2 * data.Dof) + i], data.Dx[i]));
        }

        cols.Add(("H", data.H));
        return Table.FromDoubles(cols, Meta(("dof", data.Dof.ToString(CultureInfo.InvariantCulture))));
    }

    public static DataSet ToDataSet(Table t, int dof)
    {
        var names = DataSet.ColumnNames(dof);
        var x = Enumerable.Range(0, 2 * dof).Select(i => t.Column(names[i])).ToArray();
        var dx = Enumerable.Range(0, 2 * dof).Select(i => t.Column(names[(2 * dof) + i])).ToArray();
        return new DataSet(dof, x, dx, t.Column("H"));
    }

    public static Table FromSplit(int[] trainIndices, int[] testIndices)
    {
        var index = new long[trainIndices.Length + testIndices.Length];
        var isTest = new int[index.Length];
        for (var k = 0; k < trainIndices.Length; k++)
        {
            index[k] = trainIndices[k];
        }

        for (var k = 0; k < testIndices.Length; k++)
        {
            index[trainIndices.Length + k] = testIndices[k];
            isTest[trainIndices.Length + k] = 1;
        }

        return new Table([new TableColumn("index", index), new TableColumn("test", isTest)]);
    }

    public static (int[] Train, int[] Test) ToSplit(Table t)
    {
        var index = t.Int64Column("index");
        var isTest = t.Int32Column("test");
        var train = new List<int>();
        var test = new List<int>();
        for (var k = 0; k < index.Length; k++)
        {
            (isTest[k] == 0 ? train : test).Add(checked((int)index[k]));
        }

        return ([.. train], [.. test]);
    }

    public static Table FromHiddenLayer(HiddenLayer h, IReadOnlyDictionary<string, string>? meta = null)
    {
        var d = h.InputDim / 2;
        var names = CoordinateNames(d);
        var cols = new List<(string, double[])>();
        for (var i = 0; i < h.InputDim; i++)
        {
            cols.Add(($"w_{names[i]}", h.Weights[i]));
        }

        cols.Add(("b", h.Biases));
        return Table.FromDoubles(cols, meta);
    }

    public static HiddenLayer ToHiddenLayer(Table t, int inputDim)
    {
        var names = CoordinateNames(inputDim / 2);
        return new HiddenLayer(names.Select(n => t.Column($"w_{n}")).ToArray(), t.Column("b"));
    }

    public static Table FromNetwork(Network n, int rank, IReadOnlyDictionary<string, string>? meta = null)
    {
        var hidden = FromHiddenLayer(n.Hidden);
        var cols = hidden.ColumnNames.Select(c => (c, hidden.Column(c))).Append(("c", n.Coefficients));
        var m = new Dictionary<string, string>(meta ?? new Dictionary<string, string>())
        {
            ["c0"] = CacheKey.Canon(n.OutputBias),
            ["rank"] = rank.ToString(CultureInfo.InvariantCulture),
        };
        return Table.FromDoubles(cols, m);
    }

    public static (Network Network, int Rank) ToNetwork(Table t, int inputDim)
    {
        var hidden = ToHiddenLayer(t, inputDim);
        var c0 = double.Parse(t.Metadata["c0"], CultureInfo.InvariantCulture);
        var rank = int.Parse(t.Metadata["rank"], CultureInfo.InvariantCulture);
        return (new Network(hidden, t.Column("c"), c0), rank);
    }

    public static Table FromMetrics(ErrorMetrics train, ErrorMetrics test) => Table.FromDoubles(
    [
        ("train_H", [train.H]), ("train_gradH", [train.GradH]), ("train_dx", [train.Dx]),
        ("test_H", [test.H]), ("test_gradH", [test.GradH]), ("test_dx", [test.Dx]),
        ("train_count", [train.Count]), ("test_count", [test.Count]),
    ]);

    public static (ErrorMetrics Train, ErrorMetrics Test) ToMetrics(Table t) => (
        new ErrorMetrics(t.Column("train_H")[0], t.Column("train_gradH")[0], t.Column("train_dx")[0], (long)t.Column("train_count")[0]),
        new ErrorMetrics(t.Column("test_H")[0], t.Column("test_gradH")[0], t.Column("test_dx")[0], (long)t.Column("test_count")[0]));

    /// <summary>A trajectory as rows (t, ic, q1.., p1..), row k M + m = initial condition m at saved time k.</summary>
    public static Table FromTrajectory(Trajectory trajectory)
    {
        var (length, count, dim) = (trajectory.Length, trajectory.Count, trajectory.Dim);
        var rows = length * count;
        var t = new double[rows];
        var ic = new int[rows];
        var coords = Enumerable.Range(0, dim).Select(_ => new double[rows]).ToArray();
        for (var k = 0; k < length; k++)
        {
            for (var m = 0; m < count; m++)
            {
                var row = (k * count) + m;
                t[row] = trajectory.Times[k];
                ic[row] = m;
                for (var i = 0; i < dim; i++)
                {
                    coords[i][row] = trajectory.States[k][i][m];
                }
            }
        }

        var names = CoordinateNames(dim / 2);
        return new Table([new TableColumn("t", t), new TableColumn("ic", ic), .. names.Select((n, i) => new TableColumn(n, coords[i]))],
            Meta(("count", count.ToString(CultureInfo.InvariantCulture))));
    }

    public static Trajectory ToTrajectory(Table t, int dim)
    {
        var count = int.Parse(t.Metadata["count"], CultureInfo.InvariantCulture);
        var time = t.Column("t");
        var length = time.Length / count;
        var names = CoordinateNames(dim / 2);
        var coords = names.Select(t.Column).ToArray();
        var times = new double[length];
        var states = new double[length][][];
        for (var k = 0; k < length; k++)
        {
            times[k] = time[k * count];
            states[k] = new double[dim][];
            for (var i = 0; i < dim; i++)
            {
                states[k][i] = coords[i].AsSpan(k * count, count).ToArray();
            }
        }

        return new Trajectory(times, states);
    }

    /// <summary>A loss history: columns step and loss.</summary>
    public static Table FromLoss(int[] steps, double[] loss) => new([new TableColumn("step", steps), new TableColumn("loss", loss)]);

    public static (int[] Steps, double[] Loss) ToLoss(Table t) => (t.Int32Column("step"), t.Column("loss"));

    public static Dictionary<string, string> Meta(params (string Key, string Value)[] entries) =>
        entries.ToDictionary(e => e.Key, e => e.Value);

    public static double Seconds(Table t) =>
        t.Metadata.TryGetValue(SecondsKey, out var s) ? double.Parse(s, CultureInfo.InvariantCulture) : 0;
}
