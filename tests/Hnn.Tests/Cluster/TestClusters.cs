using System.Collections.Concurrent;
using System.Security.Cryptography;
using Hnn.Cluster;
using Hnn.Pipeline.Cli;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Hosting;
using Orleans.Runtime;
using Orleans.TestingHost;
using Serilog;

namespace Hnn.Tests.Cluster;

/// <summary>
/// In-process Orleans clusters (TestingHost) whose silos run the pipeline's own worker, reachable by
/// <c>hnn run --cluster localhost:PORTS</c> through their gateways like silos started by <c>hnn silo</c>.
/// </summary>
internal static class TestClusters
{
    /// <summary>Every call a silo of a test cluster started: (silo address, experiment index).</summary>
    public static ConcurrentQueue<(string Silo, int Index)> Started { get; } = new();

    /// <summary>
    /// When set, the worker on a silo other than the primary hands its first call to this hook (the fault test): the
    /// call runs, and the hook decides when (and whether) it returns.
    /// </summary>
    public static Func<string, ExperimentWork, Task<string>, Task<string>>? Intercept { get; set; }

    /// <summary>The silo (address) whose worker runs the current call: set by the silos' workers for the stages they run.</summary>
    public static AsyncLocal<string?> CurrentSilo { get; } = new();

    /// <summary>When set, the stages the silos' workers attach to every experiment (a test's own); null: the run's.</summary>
    public static IReadOnlyList<Hnn.Pipeline.Planning.ExperimentStage>? Attached { get; set; }

    /// <summary>What the silos' pipeline workers logged (rendered messages), for tests that check where a fit's lanes ran.</summary>
    public static ConcurrentQueue<string> SiloLog { get; } = new();

    /// <summary>The backend the silos factor TSQR lanes with: the one the tests' own local solves use.</summary>
    public static Hnn.Stages.Numerics.ILinearAlgebra Backend { get; } = BlasKernel.Resolve("auto", new LoggerConfiguration().CreateLogger(), out _, out _, mayRestart: false);

    public static async Task<TestCluster> StartAsync(int silos)
    {
        var builder = new TestClusterBuilder((short)silos);
        builder.Options.ClusterId = SiloSettings.ClusterId;
        builder.Options.ServiceId = SiloSettings.ServiceId;
        builder.Options.ConnectionTransport = ConnectionTransportType.TcpSocket; // real gateways, as hnn silo has
        builder.AddSiloBuilderConfigurator<Silo>();
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }

    /// <summary>The <c>--cluster</c> address of every gateway of <paramref name="cluster"/>.</summary>
    public static string Address(TestCluster cluster) =>
        "localhost:" + string.Join(',', cluster.GetActiveSilos().Select(s => s.GatewayAddress.Endpoint.Port));

    /// <summary>SHA-256 of every artifact file under a store, by relative path (side files with compute times excluded).</summary>
    public static SortedDictionary<string, string> ArtifactHashes(string storeRoot)
    {
        var dir = Path.Combine(storeRoot, "artifacts");
        var map = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var f in Directory.GetFiles(dir, "*.parquet", SearchOption.AllDirectories))
        {
            map[Path.GetRelativePath(dir, f)] = Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f)));
        }

        return map;
    }

    private sealed class Silo : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder)
        {
            ClusterHost.Configure(siloBuilder);
            siloBuilder.Services.AddSingleton(new WorkerSlots(1));
            siloBuilder.Services.AddSingleton(Backend);
            siloBuilder.Services.AddSingleton<ITsqrRowSource>(new ParquetRowSource());
            siloBuilder.Services.AddSingleton<IExperimentWorker>(sp =>
                new Recording(
                    new PipelineWorker(new LoggerConfiguration().WriteTo.Sink(new Capture()).CreateLogger()) { Attached = () => Attached ?? Hnn.Pipeline.Planning.StageCatalog.ExperimentStages },
                    sp.GetRequiredService<ILocalSiloDetails>()));
        }
    }

    private sealed class Capture : Serilog.Core.ILogEventSink
    {
        public void Emit(Serilog.Events.LogEvent logEvent) => SiloLog.Enqueue(logEvent.RenderMessage(System.Globalization.CultureInfo.InvariantCulture));
    }

    private sealed class Recording(IExperimentWorker inner, ILocalSiloDetails silo) : IExperimentWorker
    {
        public Task<string> RunAsync(ExperimentWork work, IGrainFactory grains, CancellationToken ct)
        {
            var name = silo.SiloAddress.ToString();
            Started.Enqueue((name, work.Index));
            CurrentSilo.Value = name; // flows into the run's stages
            var run = inner.RunAsync(work, grains, ct);
            return Intercept is { } hook ? hook(name, work, run) : run;
        }

        public string? Failure(Exception e) => inner.Failure(e);
    }
}
