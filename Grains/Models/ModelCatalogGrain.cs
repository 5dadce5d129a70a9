using Cluster.Contracts.Sessions;

namespace Cluster.Grains.Models;

/// <summary>Registry of served models. Persistent so a deactivation does not forget what silos announced.</summary>
public sealed class ModelCatalogGrain([PersistentState("catalog", ClusterStorage.Name)] IPersistentState<ModelCatalogState> state)
    : Grain, IModelCatalogGrain
{
    public async Task RegisterAsync(ServedModel model)
    {
        state.State.Models.RemoveAll(m => m.Name == model.Name && m.Device == model.Device);
        state.State.Models.Add(model);
        await state.WriteStateAsync();
    }

    public Task<ServedModel[]> ListAsync() => Task.FromResult(state.State.Models.ToArray());
}

[GenerateSerializer, Alias("cluster.model-catalog-state")]
public sealed class ModelCatalogState
{
    [Id(0)] public List<ServedModel> Models { get; set; } = [];
}
