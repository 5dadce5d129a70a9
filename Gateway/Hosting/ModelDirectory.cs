using Cluster.Contracts.Models;
using Cluster.Gateway.Apis;

namespace Cluster.Gateway.Hosting;

/// <summary>
/// The gateway's view of the cluster's replica registry, read at most once a second and refreshed in the background
/// once it has one, so that validating <c>model</c> costs no grain call on the request path.
/// </summary>
public sealed class ModelDirectory(IClusterClient cluster, TimeProvider time)
{
    private static readonly TimeSpan Freshness = TimeSpan.FromSeconds(1);
    private readonly SemaphoreSlim _firstRead = new(1, 1);
    private volatile CatalogView? _view;
    private DateTimeOffset _readAt = DateTimeOffset.MinValue;
    private Task? _refresh;

    public async Task<CatalogView> ViewAsync()
    {
        if (_view is null || _view.Live.Length == 0)
        {
            // Nothing to serve from yet (start-up, or every replica gone): read now rather than answer from an empty view.
            await _firstRead.WaitAsync().ConfigureAwait(false);
            try
            {
                if (_view is null || (_view.Live.Length == 0 && time.GetUtcNow() - _readAt > TimeSpan.FromMilliseconds(200)))
                    await RefreshAsync().ConfigureAwait(false);
            }
            finally
            {
                _firstRead.Release();
            }
        }
        else if (time.GetUtcNow() - _readAt > Freshness && _refresh is null or { IsCompleted: true })
        {
            _refresh = RefreshAsync();
        }
        return _view ?? CatalogView.Empty;
    }

    /// <summary>The latest view read, without waiting (for observers that must not block, such as metric callbacks).</summary>
    public CatalogView Latest => _view ?? CatalogView.Empty;

    /// <summary>The registry's view now (for <c>/metrics</c> and <c>/v1/models</c>, which must not lag a report behind).</summary>
    public async Task<CatalogView> ReadAsync()
    {
        await RefreshAsync().ConfigureAwait(false);
        return _view ?? CatalogView.Empty;
    }

    private async Task RefreshAsync()
    {
        try
        {
            _view = await cluster.GetGrain<IModelCatalogGrain>(0).ListAsync().ConfigureAwait(false);
            _readAt = time.GetUtcNow();
        }
        catch (Exception) when (_view is not null)
        {
            // The registry is moving after a silo failure; keep answering from the last view.
        }
    }

    /// <summary>The models with a live replica, each with its replicas.</summary>
    public async Task<IReadOnlyList<IGrouping<string, ReplicaStatus>>> ListAsync() =>
        (await ReadAsync().ConfigureAwait(false)).Live.GroupBy(r => r.Replica.Model, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal).ToList();

    /// <summary>
    /// The model's live replicas, or a refusal: OpenAI's 404 <c>model_not_found</c> for a name the cluster never served,
    /// 503 <c>model_unavailable</c> for a model whose replicas are all gone.
    /// </summary>
    public async Task<ReplicaStatus[]> EnsureServedAsync(string name)
    {
        var view = await ViewAsync().ConfigureAwait(false);
        var replicas = view.Of(name).ToArray();
        if (replicas.Length > 0) return replicas;
        if (view.KnownModels.Contains(name, StringComparer.Ordinal))
            throw new RequestValidationException(503, $"The model '{name}' has no live replica right now; retry shortly.", "model", "model_unavailable", "server_error");
        var served = view.Live.Select(r => r.Replica.Model).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        throw new RequestValidationException(404, $"The model '{name}' does not exist. Served models: {string.Join(", ", served)}.", "model", "model_not_found");
    }
}
