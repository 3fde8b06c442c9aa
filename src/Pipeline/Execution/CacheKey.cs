using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Hnn.Pipeline.Execution;

/// <summary>
/// Content keys (docs/ALGORITHM.md §5): hash(stage name, stage version, canonical parameters, input keys).
/// Parameters are sorted by name, so their order in the config never changes a key.
/// </summary>
public static class CacheKey
{
    public static string Compute(string stage, int version, IEnumerable<KeyValuePair<string, string>> parameters, IEnumerable<string> inputKeys)
    {
        var sb = new StringBuilder();
        sb.Append("stage=").Append(stage).Append('\n');
        sb.Append("version=").Append(version.ToString(CultureInfo.InvariantCulture)).Append('\n');
        foreach (var (k, v) in parameters.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            sb.Append("param:").Append(k).Append('=').Append(v).Append('\n');
        }

        foreach (var input in inputKeys)
        {
            sb.Append("input=").Append(input).Append('\n');
        }

        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(sb.ToString()));
        return Convert.ToHexString(hash, 0, 12).ToLowerInvariant();
    }

    /// <summary>Canonical text of a double: round-trippable, culture-invariant.</summary>
    public static string Canon(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    public static string Canon(IEnumerable<double> v) => "[" + string.Join(",", v.Select(Canon)) + "]";

    public static string Canon(long v) => v.ToString(CultureInfo.InvariantCulture);
}
