using Cluster.Contracts.Sessions;
using Cluster.Gateway.Apis;

namespace Cluster.Gateway.Hosting;

/// <summary>
/// The gateway's view of the served models, read from the cluster's catalog grain and cached briefly so that
/// validating <c>model</c> costs no grain call on most requests.
/// </summary>
public sealed class ModelDirectory(IClusterClient cluster, TimeProvider time)
{
    private static readonly TimeSpan Freshness = TimeSpan.FromSeconds(2);
    private ServedModel[] _models = [];
    private DateTimeOffset _readAt = DateTimeOffset.MinValue;

    public async Task<ServedModel[]> ListAsync()
    {
        if (time.GetUtcNow() - _readAt > Freshness || _models.Length == 0)
        {
            _models = await cluster.GetGrain<IModelCatalogGrain>(0).ListAsync().ConfigureAwait(false);
            _readAt = time.GetUtcNow();
        }
        return _models;
    }

    /// <summary>Returns the model or refuses the request with OpenAI's 404 <c>model_not_found</c>.</summary>
    public async Task<ServedModel> EnsureServedAsync(string name)
    {
        var models = await ListAsync().ConfigureAwait(false);
        return models.FirstOrDefault(m => m.Name == name)
            ?? throw new RequestValidationException(404, $"The model '{name}' does not exist. Served models: {string.Join(", ", models.Select(m => m.Name).Distinct())}.", "model", "model_not_found");
    }
}
