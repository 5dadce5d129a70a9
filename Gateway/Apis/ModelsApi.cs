using Cluster.Contracts.Models;
using Cluster.Gateway.Hosting;
using Cluster.Gateway.Serialization;

namespace Cluster.Gateway.Apis;

/// <summary><c>GET /v1/models</c>, <c>GET /v1/models/{id}</c> and <c>GET /health</c>.</summary>
public static class ModelsApi
{
    public static IEndpointRouteBuilder MapModelsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/models", async (ModelDirectory models) =>
        {
            var list = await models.ListAsync().ConfigureAwait(false);
            return Results.Text(OpenAIJson.Serialize(new ModelList(list.Select(ModelObject.From).ToArray())), "application/json");
        });
        app.MapGet("/v1/models/{*id}", async (string id, ModelDirectory models) =>
        {
            var replicas = await models.EnsureServedAsync(id).ConfigureAwait(false);
            return Results.Text(OpenAIJson.Serialize(ModelObject.From(replicas)), "application/json");
        });
        app.MapGet("/health", async (ModelDirectory models) =>
        {
            try
            {
                var list = await models.ListAsync().ConfigureAwait(false);
                return list.Count > 0 ? Results.Ok(new { status = "ok", models = list.Count }) : Results.Json(new { status = "starting" }, statusCode: 503);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Not connected to the cluster (yet): not ready, but not a server error either.
                return Results.Json(new { status = "no cluster" }, statusCode: 503);
            }
        });
        return app;
    }

    private sealed record ModelList(ModelObject[] Data)
    {
        public string Object => "list";
    }

    /// <summary>OpenAI's model object; <c>max_model_len</c> (vLLM's) and <c>replicas</c> (where it runs, and how loaded) are extensions.</summary>
    private sealed record ModelObject(string Id, long Created, string OwnedBy, int MaxModelLen, ReplicaObject[] Replicas)
    {
        public string Object => "model";

        public static ModelObject From(IEnumerable<ReplicaStatus> replicas)
        {
            var all = replicas.ToArray();
            return new ModelObject(all[0].Replica.Model, all.Min(r => r.Replica.Created), "cluster", all.Min(r => r.Replica.MaxModelLength),
                all.Select(r => new ReplicaObject(r.Replica.Label, r.Replica.Device, r.Replica.Silo, r.Load?.Running ?? 0, r.Load?.Waiting ?? 0,
                    r.Load is { CacheBlocks: > 0 } l ? (double)l.UsedCacheBlocks / l.CacheBlocks : 0, r.Draining)).ToArray());
        }
    }

    private sealed record ReplicaObject(string Id, string Device, string Silo, int Running, int Waiting, double KvCacheUsage, bool Draining);
}
