using Hnn.Pipeline.Data;

namespace Hnn.Pipeline.Config;

/// <summary>
/// <c>data:</c> — generated data (train and test sizes, one data set per seed) or a CSV/Parquet file of observations;
/// <c>stream_rows</c> switches to the streamed path (chunks generated on the fly). Defaults: seed 0, held in memory.
/// </summary>
internal static class DataSection
{
    public static readonly string[] Keys = ["file", "train", "test", "seed", "seeds", "stream_rows", "trajectories"];

    /// <summary>Default data seed (one data set).</summary>
    public const ulong DefaultSeed = 0;

    /// <summary>Smallest and largest data.stream_rows (0, the default, holds the data in memory).</summary>
    public const int MinStreamRows = 1024;

    public const int MaxStreamRows = 50_000_000;

    /// <summary>data.file, resolved against the pipeline's folder, and its layout (read first: it decides whether system and domain are required).</summary>
    public static (string? Path, DataFile.Layout? Layout) ReadFile(SpecReader r, MapNode root)
    {
        if ((root["data"] as MapNode)?["file"] is not { } node)
        {
            return (null, null);
        }

        if (node is not ScalarNode { Value: { Length: > 0 } value })
        {
            r.Problem("data.file", "must be a path to a .csv or .parquet file");
            return (null, null);
        }

        var path = r.Resolve(value);
        if (TrajectoriesSection.Present(root))
        {
            return (path, null); // a trajectory file: TrajectoriesSection reads it (its layout is traj, t, q.., p..)
        }

        try
        {
            return (path, DataFile.ReadLayout(path));
        }
        catch (InputException e)
        {
            r.Problem("data.file", e.Message);
            return (path, null);
        }
    }

    public static DataSpec Read(SpecReader r, MapNode root, string? dataFile)
    {
        var map = r.Map(root, "data", "data", required: true);
        r.CheckKeys(map, "data", Keys);
        var train = (int)(r.Integer(map?["train"], "data.train", 2, int.MaxValue / 4) ?? 0);
        var trajectories = TrajectoriesSection.Present(root);
        if (map is not null && map["train"] is null && dataFile is null && !trajectories)
        {
            r.Problem("data.train", "is required (number of training points, at least 2)");
        }

        var test = (int)(r.Integer(map?["test"], "data.test", 1, int.MaxValue / 4) ?? 0);
        if (map is not null && map["test"] is null && !trajectories)
        {
            r.Problem("data.test", "is required (number of test points, at least 1)");
        }

        var seeds = r.Seeds(map, "data", DefaultSeed);
        var streamRows = (int)(r.Integer(map?["stream_rows"], "data.stream_rows", MinStreamRows, MaxStreamRows) ?? 0);
        if (streamRows > 0 && dataFile is not null)
        {
            r.Problem("data.stream_rows", $"{streamRows} is not allowed with data.file: the streamed path generates its data from system and domain; remove data.stream_rows or data.file");
        }

        return new DataSpec(dataFile, train, test, seeds) { StreamRows = streamRows };
    }

    public static object ToJson(DataSpec d) => new { d.File, d.Train, d.Test, d.Seeds };
}
