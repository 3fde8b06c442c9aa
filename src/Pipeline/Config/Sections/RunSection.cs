namespace Hnn.Pipeline.Config;

/// <summary>
/// <c>run:</c> — settings that change no result and no cache key: the artifact store and how many experiments run at
/// once. Defaults: <see cref="DefaultStore"/>, one at a time.
/// </summary>
public static class RunSection
{
    /// <summary>The artifact store when neither run.store nor --store is given.</summary>
    public const string DefaultStore = ".hnn";

    public const int DefaultParallelism = 1;

    public const int MaxParallelism = 256;

    internal static readonly string[] Keys = ["store", "parallelism"];

    internal static RunSpec Read(SpecReader r, MapNode root)
    {
        var map = r.Map(root, "run", "run", required: false);
        r.CheckKeys(map, "run", Keys);
        var store = r.String(map, "store", "run.store", DefaultStore)!;
        if (map?["store"] is not null && StorePolicy.Problem(store) is { } problem)
        {
            r.Problem("run.store", problem);
        }

        var parallelism = (int)(r.Integer(map?["parallelism"], "run.parallelism", 1, MaxParallelism) ?? DefaultParallelism);
        return new RunSpec(store, parallelism);
    }

    internal static object ToJson(RunSpec s) => new { s.Store, s.Parallelism };
}
