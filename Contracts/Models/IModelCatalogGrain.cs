using Cluster.Contracts.Generation;

namespace Cluster.Contracts.Models;

/// <summary>
/// The cluster's replica registry; key 0. Silos register each model they load on each device (a replica), report
/// its load every second, and unregister it when they stop gracefully. Reads are filtered by membership: a replica
/// counts as live only while its silo is active, so a dead silo's replicas drop out as soon as membership declares it
/// dead. Registrations are persisted (the same storage as sessions), so the registry survives the silo hosting it.
/// </summary>
[Alias("cluster.model-catalog")]
public interface IModelCatalogGrain : IGrainWithIntegerKey
{
    [Alias("register")]
    Task RegisterAsync(ModelReplica replica);

    [Alias("unregister")]
    Task UnregisterAsync(ModelReplica replica);

    /// <summary>The latest load of a silo's replicas (kept in memory only: it is stale within seconds anyway).</summary>
    [Alias("report")]
    Task ReportAsync(ReplicaStatus[] statuses);

    [Alias("list")]
    Task<CatalogView> ListAsync();
}

/// <summary>One model loaded on one device of one silo. <see cref="Silo"/> is the silo address in Orleans' parsable form.</summary>
[GenerateSerializer, Immutable, Alias("cluster.model-replica")]
public sealed record ModelReplica(
    [property: Id(0)] string Model,
    [property: Id(1)] string Device,
    [property: Id(2)] string Silo,
    [property: Id(3)] long Created,
    [property: Id(4)] int MaxModelLength)
{
    /// <summary>The key of the model grain that runs this replica.</summary>
    public string GrainKey => ModelGrainKey.For(Silo, Device, Model);

    /// <summary>A short label for logs and metrics: <c>{silo endpoint}/{device}</c>.</summary>
    public string Label => $"{Silo.Split('@')[0]}/{Device}";
}

/// <summary>A replica with its latest reported load; <see cref="Draining"/> replicas take no new sequences.</summary>
[GenerateSerializer, Immutable, Alias("cluster.replica-status")]
public sealed record ReplicaStatus(
    [property: Id(0)] ModelReplica Replica,
    [property: Id(1)] ModelGrainStatus? Load,
    [property: Id(2)] bool Draining);

/// <summary>What the registry knows: the live replicas, and every model name ever registered and not unregistered
/// (a model with no live replica is unavailable, not unknown).</summary>
[GenerateSerializer, Immutable, Alias("cluster.catalog-view")]
public sealed record CatalogView(
    [property: Id(0)] ReplicaStatus[] Live,
    [property: Id(1)] string[] KnownModels)
{
    public static CatalogView Empty { get; } = new([], []);

    public IEnumerable<ReplicaStatus> Of(string model) => Live.Where(r => r.Replica.Model == model);
}
