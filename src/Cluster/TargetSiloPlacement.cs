using Orleans.Placement;
using Orleans.Runtime.Placement;

namespace Hnn.Cluster;

/// <summary>
/// Placement on the silo the grain's key names (after its last '|', <see cref="SiloAddress.ToParsableString"/>): the
/// coordinator chooses the silo of every call, so it knows which calls a lost silo held (and balances the work by
/// free slots instead of by chance). A key whose silo is not (or no longer) in the cluster is placed at random among
/// the compatible silos.
/// </summary>
[GenerateSerializer, Immutable, Alias("hnn.TargetSiloPlacement")]
public sealed class TargetSiloPlacement : PlacementStrategy
{
    public static TargetSiloPlacement Instance { get; } = new();

    /// <summary>The grain key that places <paramref name="name"/> on <paramref name="silo"/>.</summary>
    public static string Key(string name, SiloAddress silo)
    {
        ArgumentNullException.ThrowIfNull(silo);
        return $"{name}|{silo.ToParsableString()}";
    }
}

[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class TargetSiloPlacementAttribute() : PlacementAttribute(TargetSiloPlacement.Instance);

internal sealed class TargetSiloPlacementDirector : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var silos = context.GetCompatibleSilos(target);
        var key = target.GrainIdentity.Key.ToString() ?? "";
        var at = key.LastIndexOf('|');
        if (at >= 0)
        {
            var wanted = SiloAddress.FromParsableString(key[(at + 1)..]);
            if (silos.Contains(wanted))
            {
                return Task.FromResult(wanted);
            }
        }

        return Task.FromResult(silos[Random.Shared.Next(silos.Length)]);
    }
}
