namespace Hnn.Pipeline.Config;

/// <summary>
/// <c>run:</c> — settings that change no result and no cache key: the artifact store, how many experiments run at
/// once, and where they run (<c>executor: local | orleans</c>, <c>cluster</c>: the address of an Orleans cluster,
/// src/Cluster), and <c>distributed_fit</c> (with the Orleans executor: each structured fit's TSQR spread over the
/// silos, <see cref="Hnn.Cluster.Tsqr"/>). Defaults: <see cref="DefaultStore"/>, one at a time, locally, each fit on one silo.
/// </summary>
public static class RunSection
{
    /// <summary>The artifact store when neither run.store nor --store is given.</summary>
    public const string DefaultStore = ".hnn";

    public const int DefaultParallelism = 1;

    public const int MaxParallelism = 256;

    /// <summary>The executors: in this process, or as grain calls on an Orleans cluster.</summary>
    public static readonly IReadOnlyList<string> Executors = ["local", "orleans"];

    internal static readonly string[] Keys = ["store", "parallelism", "executor", "cluster", "distributed_fit"];

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
        var executor = r.String(map, "executor", "run.executor", "local", [.. Executors])!;
        var cluster = r.String(map, "cluster", "run.cluster", null);
        if (cluster is not null && Hnn.Cluster.ClusterAddress.TryParse(cluster, out var clusterProblem) is null)
        {
            r.Problem("run.cluster", $"{clusterProblem}; allowed: {Hnn.Cluster.ClusterAddress.Allowed}");
        }

        if (map?["distributed_fit"] is { } df and not ScalarNode)
        {
            r.Problem("run.distributed_fit", $"{SpecReader.Describe(df)} is not allowed; allowed: true, false (default false)");
        }

        var distributed = map?["distributed_fit"] is not (null or ScalarNode) ? false : r.String(map, "distributed_fit", "run.distributed_fit", "false", ["true", "false"]) == "true";
        if (distributed && executor != "orleans")
        {
            r.Problem("run.distributed_fit", "true is allowed only with run.executor: orleans (or hnn run --cluster): it spreads each fit's QR over the silos of the cluster");
        }

        return new RunSpec(store, parallelism, executor, cluster) { DistributedFit = distributed };
    }

    /// <summary>The JSON form (validate, manifest.json): executor and cluster only when the run is not local (as before them), distributed_fit only when true.</summary>
    internal static object ToJson(RunSpec s) => s.DistributedFit ? new { s.Store, s.Parallelism, s.Executor, s.Cluster, s.DistributedFit }
        : s.OnCluster ? new { s.Store, s.Parallelism, s.Executor, s.Cluster } : new { s.Store, s.Parallelism };
}
