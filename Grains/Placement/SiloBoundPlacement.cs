using Cluster.Contracts.Generation;
using Cluster.Contracts.Requests;
using Orleans.Placement;
using Orleans.Runtime;
using Orleans.Runtime.Placement;

namespace Cluster.Grains.Placement;

/// <summary>
/// Places a grain on the silo its key names (<see cref="ModelGrainKey"/>): a model grain must run where its weights
/// are loaded. It never relocates: when that silo is gone, activation fails and the caller picks another replica.
/// </summary>
[GenerateSerializer, Immutable, SuppressReferenceTracking, Alias("cluster.silo-bound-placement")]
public sealed class SiloBoundPlacement : PlacementStrategy
{
    public static SiloBoundPlacement Instance { get; } = new();
}

/// <summary>Marks a grain class for <see cref="SiloBoundPlacement"/>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class SiloBoundPlacementAttribute() : PlacementAttribute(SiloBoundPlacement.Instance);

/// <summary>Returns the silo named in the grain key when it is an active, compatible silo.</summary>
public sealed class SiloBoundPlacementDirector : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        string key = target.GrainIdentity.Key.ToString() ?? "";
        var silo = SiloAddress.FromParsableString(ModelGrainKey.Parse(key).Silo);
        if (context.GetCompatibleSilos(target).Contains(silo)) return Task.FromResult(silo);
        throw new RequestRejection(503, $"The silo of model replica '{key}' is not part of the cluster any more.", null, "replica_unavailable").ToException();
    }
}
