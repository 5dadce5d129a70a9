using Cluster.Contracts.Sessions;
using Cluster.Gateway.Serialization;

namespace Cluster.Gateway.Apis;

/// <summary>
/// <c>GET /v1/sessions/{id}</c> (the stored conversation and pending tool calls) and <c>DELETE /v1/sessions/{id}</c>.
/// Sessions are created by sending <c>X-Session-Id</c> with a chat request.
/// </summary>
public static class SessionsApi
{
    public static IEndpointRouteBuilder MapSessionsApi(this IEndpointRouteBuilder app)
    {
        // Catch-all routes, so that an id with '/' is refused by the session-id rule (400), not by routing (404).
        app.MapGet("/v1/sessions/{*id}", async (string? id, IClusterClient cluster) =>
        {
            var grain = cluster.GetGrain<ISessionGrain>(SessionId.Require(id, "id"));
            var snapshot = await GrainCalls.MapErrors(() => grain.GetSnapshotAsync()).ConfigureAwait(false);
            return Results.Text(OpenAIJson.Serialize(new
            {
                id = snapshot.Id,
                @object = "session",
                model = snapshot.Model,
                messages = snapshot.Messages.Select(m => new
                {
                    role = m.Role,
                    content = m.Content,
                    tool_call_id = m.ToolCallId,
                    tool_calls = m.ToolCalls?.Select(c => new { id = c.Id, type = "function", function = new { name = c.Name, arguments = c.Arguments } }),
                }),
                pending_tool_call_ids = snapshot.PendingToolCallIds,
            }), "application/json");
        });
        app.MapDelete("/v1/sessions/{*id}", async (string? id, IClusterClient cluster) =>
        {
            var grain = cluster.GetGrain<ISessionGrain>(SessionId.Require(id, "id"));
            await GrainCalls.MapErrors(async () =>
            {
                await grain.ClearAsync().ConfigureAwait(false);
                return true;
            }).ConfigureAwait(false);
            return Results.Text(OpenAIJson.Serialize(new { id, @object = "session.deleted", deleted = true }), "application/json");
        });
        return app;
    }
}
