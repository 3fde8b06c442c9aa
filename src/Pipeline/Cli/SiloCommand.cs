using System.CommandLine;
using System.Net;
using Hnn.Cluster;
using Hnn.Pipeline.Config;
using Microsoft.Extensions.Logging;
using MelLogLevel = Microsoft.Extensions.Logging.LogLevel;

namespace Hnn.Pipeline.Cli;

/// <summary>
/// <c>hnn silo</c>: starts an Orleans silo that runs experiments of <c>hnn run --cluster</c> (src/Cluster). On one
/// machine: development clustering (the first silo is the primary, the others name its port with <c>--primary</c>);
/// on several: <c>--redis host:port</c> (a shared Redis membership table). Runs until Ctrl-C or SIGTERM.
/// </summary>
public static class SiloCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr, Action<int> setExit, Func<TextWriter, bool, bool, Serilog.Core.Logger> createLogger)
    {
        ArgumentNullException.ThrowIfNull(setExit);
        ArgumentNullException.ThrowIfNull(createLogger);
        var port = new Option<int>("--port") { Description = "Silo-to-silo port", DefaultValueFactory = _ => SiloSettings.DefaultSiloPort };
        var gateway = new Option<int>("--gateway") { Description = "Gateway port clients connect to (hnn run --cluster localhost:PORT)", DefaultValueFactory = _ => SiloSettings.DefaultGatewayPort };
        var primary = new Option<int?>("--primary") { Description = "Development clustering: the silo port of the first silo (default: this silo's --port, i.e. it is the first)" };
        var redis = new Option<string?>("--redis") { Description = "Redis clustering for several machines: HOST:PORT of the membership table (instead of development clustering)" };
        var address = new Option<string?>("--address") { Description = "With --redis: the IP address other machines reach this silo at (default: this machine's first IPv4 address)" };
        var slots = new Option<int>("--slots") { Description = "Experiments this silo runs at once", DefaultValueFactory = _ => 1 };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Debug logging (also Orleans' own information messages)" };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Warnings and errors only" };
        var command = new Command("silo", "Start an Orleans silo that runs the experiments of 'hnn run --cluster' (until Ctrl-C or SIGTERM)")
        {
            port, gateway, primary, redis, address, slots, verbose, quiet,
        };
        command.SetAction(async (pr, ct) =>
        {
            using var log = createLogger(stderr, pr.GetValue(verbose), pr.GetValue(quiet));
            try
            {
                var settings = Settings(pr.GetValue(port), pr.GetValue(gateway), pr.GetValue(primary), pr.GetValue(redis), pr.GetValue(address), pr.GetValue(slots));
                // The kernel choice may restart the process (BlasKernel): do it before the silo listens on anything.
                var la = BlasKernel.Resolve("auto", log, out var note, out _);
                log.Information("{Note}", note);
                using var host = ClusterHost.CreateSilo(settings, new PipelineWorker(log), la, new ParquetRowSource(), b => b.AddProvider(new SerilogProvider(log, pr.GetValue(verbose))));
                await host.StartAsync(ct).ConfigureAwait(false);
                log.Information("silo up: silo port {Port}, gateway port {Gateway}, {Clustering}, {Slots} slot(s); Ctrl-C stops it",
                    settings.SiloPort, settings.GatewayPort, settings.Redis is null ? $"development clustering (primary silo port {settings.PrimaryPort})" : $"Redis clustering at {settings.Redis}", settings.Slots);
                try
                {
                    await Task.Delay(Timeout.Infinite, ct).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    log.Information("silo stopping (its calls in flight are redone by the coordinator on other silos)");
                }

                using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await host.StopAsync(stop.Token).ConfigureAwait(false);
                setExit(Commands.Ok);
            }
            catch (InputException e)
            {
                await stderr.WriteLineAsync($"error: {e.Message}").ConfigureAwait(false);
                setExit(Commands.BadInput);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                log.Error("silo failed: {Message}", e.Message);
                setExit(Commands.Failure);
            }
        });
        return command;
    }

    /// <summary>The silo's settings from the options, or an <see cref="InputException"/> naming the option.</summary>
    public static SiloSettings Settings(int port, int gateway, int? primary, string? redis, string? address, int slots)
    {
        CheckPort("--port", port);
        CheckPort("--gateway", gateway);
        if (primary is { } p)
        {
            CheckPort("--primary", p);
        }

        if (port == gateway)
        {
            throw new InputException($"--port {port} and --gateway {gateway}: must differ");
        }

        if (slots is < 1 or > 256)
        {
            throw new InputException($"--slots {slots}: must be 1..256");
        }

        if (redis is not null && ClusterAddress.TryParse("redis://" + redis, out var problem) is null)
        {
            throw new InputException($"--redis {redis}: {problem}; allowed: HOST:PORT");
        }

        IPAddress? ip = null;
        if (address is not null && !IPAddress.TryParse(address, out ip))
        {
            throw new InputException($"--address {address}: not an IP address");
        }

        return new SiloSettings(port, gateway, primary ?? port, redis, slots, ip);
    }

    private static void CheckPort(string option, int port)
    {
        if (port is < 1 or > 65535)
        {
            throw new InputException($"{option} {port}: must be a port, 1..65535");
        }
    }

    /// <summary>Orleans' and the grains' log messages into the command's log (Orleans' own below warning only with -v).</summary>
    private sealed class SerilogProvider(Serilog.ILogger log, bool verbose) : Microsoft.Extensions.Logging.ILoggerProvider
    {
        public Microsoft.Extensions.Logging.ILogger CreateLogger(string categoryName) => new Forward(log, verbose || categoryName.StartsWith("Hnn.", StringComparison.Ordinal));

        public void Dispose()
        {
        }

        private sealed class Forward(Serilog.ILogger log, bool all) : Microsoft.Extensions.Logging.ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(MelLogLevel logLevel) => logLevel >= (all ? MelLogLevel.Information : MelLogLevel.Warning);

            public void Log<TState>(MelLogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (!IsEnabled(logLevel))
                {
                    return;
                }

                var text = formatter(state, exception);
                var c = log.ForContext("Stage", "silo");
                switch (logLevel)
                {
                    case >= MelLogLevel.Error: c.Error("{Text}", text); break;
                    case MelLogLevel.Warning: c.Warning("{Text}", text); break;
                    default: c.Information("{Text}", text); break;
                }
            }
        }
    }
}
