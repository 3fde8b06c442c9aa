using Hnn.Datasets;

namespace Hnn.Pipeline.Config;

/// <summary>
/// <c>domain:</c> — one [low, high] interval per degree of freedom for q and for p: where data are generated, rollout
/// states drawn and the ELM bias range taken from. Required unless the data come from a file.
/// </summary>
internal static class DomainSection
{
    public static readonly string[] Keys = ["q", "p"];

    /// <summary>The domain (null when it is optional and absent); <paramref name="complete"/>: given, and every interval was read.</summary>
    public static Domain? Read(SpecReader r, MapNode root, bool required, out bool complete)
    {
        var map = r.Map(root, "domain", "domain", required);
        r.CheckKeys(map, "domain", Keys);
        var before = r.Problems.Count;
        Domain? domain = null;
        if (map is not null || required)
        {
            domain = new Domain(Intervals(r, map?["q"], "domain.q"), Intervals(r, map?["p"], "domain.p"));
        }

        complete = map is not null && r.Problems.Count == before;
        return domain;
    }

    private static List<Interval> Intervals(SpecReader r, ConfigNode? node, string path)
    {
        var result = new List<Interval>();
        if (node is null)
        {
            r.Problem(path, "is required: a list of [low, high] intervals, one per degree of freedom, e.g. [[-5, 5]]");
            return result;
        }

        r.NotEmpty(node, path, "interval [low, high]");
        foreach (var (item, i) in r.ListOfLists(node).Select((n, i) => (n, i)))
        {
            if (item is not ListNode pair || pair.Items.Count != 2)
            {
                r.Problem($"{path}[{i}]", $"{SpecReader.Describe(item)} is not an interval [low, high]");
                continue;
            }

            var lo = r.Double(pair.Items[0], $"{path}[{i}][0]");
            var hi = r.Double(pair.Items[1], $"{path}[{i}][1]");
            if (lo is null || hi is null || !SpecLimits.Coordinate(r, lo.Value, $"{path}[{i}][0]") || !SpecLimits.Coordinate(r, hi.Value, $"{path}[{i}][1]"))
            {
                continue;
            }

            if (!(lo < hi))
            {
                r.Problem($"{path}[{i}]", $"[{SpecReader.Format(lo.Value)}, {SpecReader.Format(hi.Value)}] is {(lo == hi ? "empty" : "inverted")}: need low < high");
                continue;
            }

            result.Add(new Interval(lo.Value, hi.Value));
        }

        return result;
    }

    public static object? ToJson(Domain? d) =>
        d is null ? null : new { Q = d.Q.Select(i => new[] { i.Lower, i.Upper }), P = d.P.Select(i => new[] { i.Lower, i.Upper }) };
}
