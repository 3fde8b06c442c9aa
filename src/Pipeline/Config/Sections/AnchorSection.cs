using Hnn.Datasets;

namespace Hnn.Pipeline.Config;

/// <summary>
/// <c>anchor:</c> — the point x0 (q then p) where the learned H is pinned to H0. Defaults: the system's
/// <see cref="HamiltonianSystem.DefaultAnchor"/> (else the origin) and H0 = H(x0) of the true system.
/// </summary>
internal static class AnchorSection
{
    public static readonly string[] Keys = ["x0", "h0"];

    public static AnchorSpec Read(SpecReader r, MapNode root, HamiltonianSystem? system, int dof)
    {
        var map = r.Map(root, "anchor", "anchor", required: false);
        r.CheckKeys(map, "anchor", Keys);
        IReadOnlyList<double> x0 = map?["x0"] is { } x0Node
            ? r.OneOrMany(x0Node).Select((n, i) => r.Double(n, $"anchor.x0[{i}]") is { } v && SpecLimits.Coordinate(r, v, $"anchor.x0[{i}]") ? v : 0).ToArray()
            : DefaultX0(system, dof);
        var h0 = r.Double(map?["h0"], "anchor.h0");
        if (h0 is not null && !SpecLimits.Coordinate(r, h0.Value, "anchor.h0"))
        {
            h0 = 0;
        }

        return new AnchorSpec(x0, h0);
    }

    /// <summary>The default anchor.x0: the system's, else the origin of the 2d coordinates.</summary>
    public static IReadOnlyList<double> DefaultX0(HamiltonianSystem? system, int dof) => system?.DefaultAnchor ?? new double[2 * dof];

    public static object ToJson(AnchorSpec a) => new { a.X0, a.H0 };
}
