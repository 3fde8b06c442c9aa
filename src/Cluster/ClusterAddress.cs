using System.Globalization;

namespace Hnn.Cluster;

/// <summary>
/// How to reach a cluster (<c>run.cluster</c>, <c>hnn run --cluster</c>): <c>localhost:30000</c> (the gateway ports of
/// silos on this machine with development clustering; several as <c>localhost:30000,30001</c>) or
/// <c>redis://host:port</c> (the Redis membership table the silos of several machines share).
/// </summary>
public sealed record ClusterAddress(IReadOnlyList<int> GatewayPorts, string? Redis)
{
    /// <summary>What <see cref="Parse"/> accepts, for error messages.</summary>
    public const string Allowed = "localhost:PORT[,PORT...] (silos on this machine) or redis://HOST:PORT (Redis membership)";

    /// <summary>The default: one silo started by <c>hnn silo</c> on this machine (gateway port 30000).</summary>
    public static ClusterAddress Default { get; } = new([SiloSettings.DefaultGatewayPort], null);

    public bool IsRedis => Redis is not null;

    /// <summary>Parses an address; null and a one-line reason when it is not one.</summary>
    public static ClusterAddress? TryParse(string text, out string? problem)
    {
        ArgumentNullException.ThrowIfNull(text);
        problem = null;
        if (text.StartsWith("redis://", StringComparison.Ordinal))
        {
            var hostPort = text["redis://".Length..];
            if (!TryHostPort(hostPort))
            {
                problem = $"'{text}' is not redis://HOST:PORT";
                return null;
            }

            return new ClusterAddress([], hostPort);
        }

        const string local = "localhost:";
        if (text.StartsWith(local, StringComparison.Ordinal))
        {
            var ports = new List<int>();
            foreach (var part in text[local.Length..].Split(','))
            {
                if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
                {
                    problem = $"'{part}' in '{text}' is not a port (1-65535)";
                    return null;
                }

                ports.Add(port);
            }

            return new ClusterAddress(ports, null);
        }

        problem = $"'{text}' is not a cluster address";
        return null;
    }

    public override string ToString() => Redis is not null ? $"redis://{Redis}" : "localhost:" + string.Join(',', GatewayPorts);

    private static bool TryHostPort(string s)
    {
        var colon = s.LastIndexOf(':');
        return colon > 0 && int.TryParse(s[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is >= 1 and <= 65535;
    }
}
