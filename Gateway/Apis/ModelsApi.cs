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
            var model = await models.EnsureServedAsync(id).ConfigureAwait(false);
            return Results.Text(OpenAIJson.Serialize(ModelObject.From(model)), "application/json");
        });
        app.MapGet("/health", async (ModelDirectory models) =>
        {
            var list = await models.ListAsync().ConfigureAwait(false);
            return list.Length > 0 ? Results.Ok(new { status = "ok", models = list.Length }) : Results.Json(new { status = "starting" }, statusCode: 503);
        });
        return app;
    }

    private sealed record ModelList(ModelObject[] Data)
    {
        public string Object => "list";
    }

    private sealed record ModelObject(string Id, long Created, string OwnedBy, int MaxModelLen)
    {
        public string Object => "model";

        public static ModelObject From(Contracts.Sessions.ServedModel m) => new(m.Name, m.Created, "cluster", m.MaxModelLength);
    }
}
