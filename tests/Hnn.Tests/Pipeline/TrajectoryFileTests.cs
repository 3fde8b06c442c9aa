using Hnn.Pipeline.Config;
using Hnn.Pipeline.Data;
using Hnn.Pipeline.Store;
using Xunit;

namespace Hnn.Tests.Pipeline;

/// <summary>Trajectory files (<see cref="DataFile.ReadTrajectories"/>): separators, mapping, Parquet, and every kind of bad file.</summary>
public sealed class TrajectoryFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("hnn-traj-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text.Replace("\r\n", "\n", StringComparison.Ordinal));
        return path;
    }

    [Theory]
    [InlineData(",")]
    [InlineData(";")]
    [InlineData("\t")]
    public void Reads_uneven_interleaved_trajectories_with_any_separator(string sep)
    {
        var path = Write("a.csv", string.Join("\n", new[]
        {
            "traj,t,q1,p1", "a,0,1,0", "b,0,2,0.5", "a,0.1,0.99,-0.1", "a,0.35,0.94,-0.34", "b,0.2,1.9,0.4",
        }.Select(l => l.Replace(",", sep, StringComparison.Ordinal))) + "\n");
        var set = DataFile.ReadTrajectories(path, dof: 1);
        Assert.Equal(1, set.Dof);
        Assert.Equal(["a", "b"], set.Trajectories.Select(t => t.Id));
        Assert.Equal([0, 0.1, 0.35], set.Trajectories[0].Times);
        Assert.Equal([1, 0.99, 0.94], set.Trajectories[0].States[0]);
        Assert.Equal([0.5, 0.4], set.Trajectories[1].States[1]);
        Assert.Equal(3, set.StepCount);
    }

    [Fact]
    public void Column_names_can_be_mapped()
    {
        var path = Write("m.csv", "run;time;x;v\n1;0;1;0\n1;0.5;0.9;-0.4\n");
        var set = DataFile.ReadTrajectories(path, new Dictionary<string, string> { ["traj"] = "run", ["t"] = "time", ["q1"] = "x", ["p1"] = "v" });
        Assert.Equal([0.9], set.Trajectories[0].States[0][1..]);
        var e = Assert.Throws<InputException>(() => DataFile.ReadTrajectories(path, new Dictionary<string, string> { ["q1"] = "pos" }));
        Assert.Equal($"{path}: column 'pos' (mapped to 'q1') not found (found: run, time, x, v)", e.Message);
    }

    [Fact]
    public async Task Reads_parquet_with_integer_ids()
    {
        var path = Path.Combine(_dir, "a.parquet");
        await ParquetTableIO.WriteAsync(new Table([
            new TableColumn("traj", new long[] { 7, 7, 8, 8 }), new TableColumn("t", new[] { 0, 0.1, 0, 0.3 }),
            new TableColumn("q1", new[] { 1.0, 1.1, 2, 2.1 }), new TableColumn("p1", new[] { 0.0, 0.1, 0.2, 0.3 })]), path);
        var set = DataFile.ReadTrajectories(path, dof: 1);
        Assert.Equal(["7", "8"], set.Trajectories.Select(t => t.Id));
        Assert.Equal([0, 0.3], set.Trajectories[1].Times);

        await ParquetTableIO.WriteAsync(new Table([
            new TableColumn("traj", new long[] { 7, 7 }), new TableColumn("t", new[] { 0, 0.1 }),
            new TableColumn("q1", new[] { 1.0, double.NaN }), new TableColumn("p1", new[] { 0.0, 0.1 })]), path);
        var e = Assert.Throws<InputException>(() => DataFile.ReadTrajectories(path));
        Assert.Equal($"{path}: row 2: column 'q1' is NaN: values must be finite numbers", e.Message);
    }

    [Theory]
    [InlineData("traj,t,q1,p1\na,0,1,0\na,0.2,1,0\na,0.1,1,0\n", ":4: column 't' value 0.1 of trajectory 'a' is before t = 0.2 of line 3; the rows of a trajectory must be sorted by t")]
    [InlineData("traj,t,q1,p1\na,0,1,0\na,0,1,0\n", ":3: column 't' value 0 of trajectory 'a' repeats the time of line 2; times must be strictly increasing within a trajectory")]
    [InlineData("traj,t,q1,p1\na,0,1,0\na,1,1,0\nb,0,1,0\n", ":4: column 'traj': trajectory 'b' has a single row; a trajectory needs at least 2 observations (one step)")]
    [InlineData("traj,t,q1,p1\na,0,1,0\na,1,NaN,0\n", ":3: column 'q1' is NaN: values must be finite numbers")]
    [InlineData("traj,t,q1,p1\na,0,1,0\na,Infinity,1,0\n", ":3: column 't' is Infinity: values must be finite numbers")]
    [InlineData("traj,t,q1,p1\na,0,1,0\na,1,x,0\n", ":3: column 'q1' value 'x' is not a number")]
    [InlineData("traj,t,q1,p1\na,0,1,0\n,1,1,0\n", ":3: column 'traj' is empty; every row needs a trajectory id")]
    [InlineData("traj,t,q1,p1\na,0,1\n", ":2: 3 value(s), the header has 4 column(s) (separator ',')")]
    [InlineData("traj,t,q1\na,0,1\n", ": missing column(s) p1 for 1 degree(s) of freedom (found: traj, t, q1)")]
    [InlineData("t,q1,p1\n0,1,0\n", ": missing column(s) traj for 1 degree(s) of freedom (found: t, q1, p1)")]
    [InlineData("traj,t,q1,p1,H\na,0,1,0,1\n", ": unknown column 'H'; a trajectory file has exactly the columns traj, t, q1, p1 (other names can be mapped onto these)")]
    [InlineData("traj,t,x,p\na,0,1,0\n", ": no q1 column; a trajectory file has columns traj, t, q1..qd, p1..pd (found: traj, t, x, p; other names can be mapped onto these)")]
    [InlineData("traj,t,q1,q1,p1\n", ": column 'q1' appears twice")]
    [InlineData("traj,t,q1,p1\n", ": no data rows; give one observation per row under the header traj,t,q1,p1")]
    public void Bad_files_are_one_line_errors_with_file_line_and_column(string text, string expected)
    {
        var path = Write("bad.csv", text);
        var e = Assert.Throws<InputException>(() => DataFile.ReadTrajectories(path));
        Assert.Equal(path + expected, e.Message);
    }

    [Fact]
    public void The_wrong_number_of_degrees_of_freedom_is_named()
    {
        var path = Write("d2.csv", "traj,t,q1,q2,p1,p2\na,0,1,0,0,0\na,1,1,0,0,0\n");
        Assert.Equal(2, DataFile.ReadTrajectories(path).Dof);
        var e = Assert.Throws<InputException>(() => DataFile.ReadTrajectories(path, dof: 1));
        Assert.Equal($"{path}: 2 degree(s) of freedom (columns q1..q2), but the system has 1; the columns must be traj, t, q1, p1", e.Message);
    }

    [Fact]
    public void A_missing_file_or_a_directory_is_refused()
    {
        var missing = Path.Combine(_dir, "none.csv");
        Assert.Equal($"{missing}: trajectory file not found", Assert.Throws<InputException>(() => DataFile.ReadTrajectories(missing)).Message);
        Assert.Throws<InputException>(() => DataFile.ReadTrajectories(_dir));
    }
}
