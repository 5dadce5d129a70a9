using Cluster.Contracts.Models;
using Orleans.Runtime;

namespace Cluster.Grains.Models;

/// <summary>
/// The replica registry (see <see cref="IModelCatalogGrain"/>). Registrations are persisted; load reports live in
/// memory (a fresh activation has none until the next report, a second later). Liveness comes from membership at
/// each read, so nothing has to notice a silo's death for its replicas to stop being offered.
/// </summary>
public sealed class ModelCatalogGrain(
    [PersistentState("catalog", ClusterStorage.Name)] IPersistentState<ModelCatalogState> state, IClusterMembershipService membership)
    : Grain, IModelCatalogGrain
{
    private readonly Dictionary<string, ReplicaStatus> _reports = new(StringComparer.Ordinal);

    public async Task RegisterAsync(ModelReplica replica)
    {
        state.State.Replicas.RemoveAll(r => r.GrainKey == replica.GrainKey);
        state.State.Replicas.Add(replica);
        state.State.Models.Add(replica.Model);
        await state.WriteStateAsync();
    }

    public async Task UnregisterAsync(ModelReplica replica)
    {
        state.State.Replicas.RemoveAll(r => r.GrainKey == replica.GrainKey);
        _reports.Remove(replica.GrainKey);
        // A model stays known (503 rather than 404) while any registration of it remains, live or not.
        state.State.Models.RemoveWhere(m => state.State.Replicas.All(r => r.Model != m));
        await state.WriteStateAsync();
    }

    public Task ReportAsync(ReplicaStatus[] statuses)
    {
        foreach (var s in statuses) _reports[s.Replica.GrainKey] = s;
        return Task.CompletedTask;
    }

    public Task<CatalogView> ListAsync()
    {
        var snapshot = membership.CurrentSnapshot;
        var live = state.State.Replicas
            .Where(r => snapshot.GetSiloStatus(SiloAddress.FromParsableString(r.Silo)) == SiloStatus.Active)
            .Select(r => _reports.TryGetValue(r.GrainKey, out var s) ? s with { Replica = r } : new ReplicaStatus(r, null, false))
            .ToArray();
        return Task.FromResult(new CatalogView(live, state.State.Models.Order(StringComparer.Ordinal).ToArray()));
    }
}

[GenerateSerializer, Alias("cluster.model-catalog-state")]
public sealed class ModelCatalogState
{
    [Id(0)] public List<ModelReplica> Replicas { get; set; } = [];

    [Id(1)] public HashSet<string> Models { get; set; } = new(StringComparer.Ordinal);
}
