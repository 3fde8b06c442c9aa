using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using Orleans.Hosting;

namespace Hnn.Cluster;

/// <summary>A silo's settings (<c>hnn silo</c>).</summary>
/// <param name="SiloPort">The silo-to-silo port.</param>
/// <param name="GatewayPort">The port clients (<c>hnn run --cluster</c>) connect to.</param>
/// <param name="PrimaryPort">Development clustering: the silo port of the first silo, whose membership the others join (its own port for the first).</param>
/// <param name="Redis">Redis clustering: host:port of the membership table; null for development clustering on this machine.</param>
/// <param name="Slots">Experiments this silo runs at once.</param>
/// <param name="AdvertisedAddress">Redis clustering: the address other machines reach this silo at (default: this machine's first IPv4 address).</param>
public sealed record SiloSettings(int SiloPort, int GatewayPort, int PrimaryPort, string? Redis, int Slots, IPAddress? AdvertisedAddress = null)
{
    public const int DefaultSiloPort = 11111;
    public const int DefaultGatewayPort = 30000;
    public const string ClusterId = "hnn";
    public const string ServiceId = "hnn";
}

/// <summary>Builds silos and clients with the settings every part of the cluster must share.</summary>
public static class ClusterHost
{
    /// <summary>
    /// How long a call may take: an experiment or a chunk's QR can take hours; a silo that dies is noticed by membership
    /// (its calls fail at once and are redone elsewhere), not by this timeout.
    /// </summary>
    public static readonly TimeSpan CallTimeout = TimeSpan.FromHours(12);

    /// <summary>
    /// A silo host (not started) that runs the pipeline's <paramref name="worker"/> for experiment grains and factors TSQR
    /// lanes with <paramref name="la"/>, reading the rows of file-backed lanes with <paramref name="files"/>.
    /// </summary>
    public static IHost CreateSilo(SiloSettings settings, IExperimentWorker worker, Hnn.Stages.Numerics.ILinearAlgebra la, ITsqrRowSource? files = null,
        Action<ILoggingBuilder>? logging = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(worker);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        logging?.Invoke(builder.Logging);
        builder.UseOrleans(silo =>
        {
            if (settings.Redis is { } redis)
            {
                silo.UseRedisClustering(redis);
                silo.Configure<ClusterOptions>(o =>
                {
                    o.ClusterId = SiloSettings.ClusterId;
                    o.ServiceId = SiloSettings.ServiceId;
                });
                silo.ConfigureEndpoints(settings.AdvertisedAddress ?? FirstAddress(), settings.SiloPort, settings.GatewayPort, listenOnAnyHostAddress: true);
            }
            else
            {
                silo.UseLocalhostClustering(settings.SiloPort, settings.GatewayPort, new IPEndPoint(IPAddress.Loopback, settings.PrimaryPort),
                    SiloSettings.ServiceId, SiloSettings.ClusterId);
            }

            Configure(silo);
            silo.Services.AddSingleton(worker);
            silo.Services.AddSingleton(la);
            if (files is not null)
            {
                silo.Services.AddSingleton(files);
            }

            silo.Services.AddSingleton(new WorkerSlots(settings.Slots));
        });
        return builder.Build();
    }

    /// <summary>What every silo needs besides its clustering (also used by the in-process test cluster).</summary>
    public static void Configure(ISiloBuilder silo)
    {
        ArgumentNullException.ThrowIfNull(silo);
        silo.Configure<SiloMessagingOptions>(o =>
        {
            o.ResponseTimeout = CallTimeout;
            o.SystemResponseTimeout = TimeSpan.FromSeconds(30);
        });
        silo.Services.AddPlacementDirector<TargetSiloPlacement, TargetSiloPlacementDirector>();
        silo.Configure<GrainCollectionOptions>(o => o.CollectionAge = TimeSpan.FromHours(1));
        // A stopped machine is declared dead after a few seconds (default: tens of seconds), so its calls are redone sooner.
        silo.Configure<ClusterMembershipOptions>(o =>
        {
            o.ProbeTimeout = TimeSpan.FromSeconds(2);
            o.NumMissedProbesLimit = 2;
            o.NumVotesForDeathDeclaration = 1;
        });
    }

    /// <summary>How long a client tries to reach a gateway before it gives up.</summary>
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(15);

    /// <summary>
    /// A started client connected to the cluster at <paramref name="address"/>; a <see cref="TimeoutException"/> when no
    /// gateway answers within <see cref="ConnectTimeout"/>.
    /// </summary>
    public static async Task<IHost> ConnectAsync(ClusterAddress address, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(address);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        builder.UseOrleansClient(client =>
        {
            if (address.Redis is { } redis)
            {
                client.UseRedisClustering(redis);
                client.Configure<ClusterOptions>(o =>
                {
                    o.ClusterId = SiloSettings.ClusterId;
                    o.ServiceId = SiloSettings.ServiceId;
                });
            }
            else
            {
                client.UseLocalhostClustering([.. address.GatewayPorts], SiloSettings.ServiceId, SiloSettings.ClusterId);
            }

            client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = CallTimeout);
        });
        var host = builder.Build();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(ConnectTimeout);
        try
        {
            await host.StartAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            host.Dispose();
            throw new TimeoutException($"no gateway answered within {ConnectTimeout.TotalSeconds:F0} s");
        }
        catch
        {
            host.Dispose();
            throw;
        }

        return host;
    }

    /// <summary>The cluster client of a host made by <see cref="ConnectAsync"/>.</summary>
    public static IClusterClient Client(IHost host) => host.Services.GetRequiredService<IClusterClient>();

    private static IPAddress FirstAddress() =>
        Dns.GetHostAddresses(Dns.GetHostName()).FirstOrDefault(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && !IPAddress.IsLoopback(a))
        ?? IPAddress.Loopback;
}
