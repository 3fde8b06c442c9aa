using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Hnn.Tests.Pipeline;
using Xunit;
using Xunit.Abstractions;

namespace Hnn.Tests.Cluster;

/// <summary>
/// [Fact] that needs <c>redis-server</c> on PATH: skipped (with the reason) when it is absent, except under .ci/run
/// (HNN_REQUIRE_REDIS=1), which installs it — there a missing binary fails the test.
/// </summary>
public sealed class RedisFactAttribute : FactAttribute
{
    public RedisFactAttribute()
    {
        if (RedisClusterTests.RedisServer() is null && Environment.GetEnvironmentVariable("HNN_REQUIRE_REDIS") != "1")
        {
            Skip = "redis-server is not installed (apt-get install redis-server; .ci/run installs it and runs this test)";
        }
    }
}

/// <summary>
/// Redis clustering as on several machines: redis-server on loopback holds the membership table, two real
/// <c>hnn silo --redis</c> processes join it, and <c>hnn run --cluster redis://...</c> gives the local numbers.
/// </summary>
[Collection(CliCollection.Name)]
public sealed class RedisClusterTests(ITestOutputHelper output)
{
    public static string? RedisServer() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(d => Path.Combine(d, "redis-server")).FirstOrDefault(File.Exists);

    [RedisFact]
    public async Task Two_hnn_silo_processes_with_redis_membership_give_the_local_numbers()
    {
        var redisPath = RedisServer() ?? throw new InvalidOperationException("HNN_REQUIRE_REDIS=1 but redis-server is not on PATH");
        var redisPort = FreePort();
        using var redis = Start(redisPath, ["--port", $"{redisPort}", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], out _);
        var silos = new List<(Process P, List<string> Log)>();
        try
        {
            await WaitForAsync(() => CanConnect(redisPort), "redis-server to listen");
            for (var i = 0; i < 2; i++)
            {
                var p = Start("dotnet", [Path.Combine(AppContext.BaseDirectory, "hnn.dll"), "silo", "--redis", $"127.0.0.1:{redisPort}", "--address", "127.0.0.1",
                    "--port", $"{FreePort()}", "--gateway", $"{FreePort()}"], out var log);
                silos.Add((p, log));
            }

            foreach (var (p, log) in silos)
            {
                await WaitForAsync(() => Snapshot(log).Any(l => l.Contains("silo up", StringComparison.Ordinal)) || p.HasExited, "hnn silo to start");
                Assert.False(p.HasExited, string.Join('\n', Snapshot(log)));
            }

            using var local = new CliSandbox();
            using var distributed = new CliSandbox();
            var pipeline = Path.Combine(RepoRoot.Find(), "pipelines", "quickstart.yaml");
            var sets = ClusterExecutorTests.Reduced.Where(s => !s.StartsWith("sweep=", StringComparison.Ordinal)).SelectMany(s => new[] { "--set", s }).ToArray();
            var l = await CliSandbox.InvokeAsync(["run", pipeline, "--store", local.StoreRoot, "--no-report", .. sets]);
            Assert.True(l.ExitCode == 0, l.ToString());
            var d = await CliSandbox.InvokeAsync(["run", pipeline, "--store", distributed.StoreRoot, "--no-report", .. sets, "--cluster", $"redis://127.0.0.1:{redisPort}"]);
            output.WriteLine(d.Stderr);
            Assert.True(d.ExitCode == 0, d.ToString());
            Assert.Contains(": 2 silo(s)", d.Stderr, StringComparison.Ordinal);
            CliSandbox.AssertSameNumbers(CliSandbox.Numbers(local.RunDirectories()[0]), CliSandbox.Numbers(distributed.RunDirectories()[0]));
            Assert.Equal(TestClusters.ArtifactHashes(local.StoreRoot), TestClusters.ArtifactHashes(distributed.StoreRoot));
            // Each silo logged the experiments it ran.
            Assert.All(silos, s => Assert.Contains(Snapshot(s.Log), line => line.Contains("experiment", StringComparison.Ordinal) && line.Contains("done in", StringComparison.Ordinal)));
        }
        finally
        {
            foreach (var (p, _) in silos)
            {
                Stop(p);
            }

            Stop(redis);
        }
    }

    private static Process Start(string file, string[] args, out List<string> log)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        var lines = new List<string>();
        var p = new Process { StartInfo = info };
        p.OutputDataReceived += (_, e) => { if (e.Data is { } s) { lock (lines) { lines.Add(s); } } };
        p.ErrorDataReceived += (_, e) => { if (e.Data is { } s) { lock (lines) { lines.Add(s); } } };
        p.Start();
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        log = lines;
        return p;
    }

    private static string[] Snapshot(List<string> log)
    {
        lock (log)
        {
            return [.. log];
        }
    }

    private static void Stop(Process p)
    {
        if (!p.HasExited)
        {
            p.Kill(entireProcessTree: true);
            p.WaitForExit(10_000);
        }

        p.Dispose();
    }

    private static async Task WaitForAsync(Func<bool> condition, string what)
    {
        var sw = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(90), $"timed out waiting for {what}");
            await Task.Delay(200);
        }
    }

    private static bool CanConnect(int port)
    {
        try
        {
            using var c = new TcpClient();
            c.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}
