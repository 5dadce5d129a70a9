using System.Text.Json;
using Cluster.Contracts.OpenAI;
using Cluster.Contracts.Sessions;
using Cluster.Gateway.Hosting;
using Cluster.Gateway.Serialization;
using Microsoft.Extensions.Options;

namespace Cluster.Gateway.Apis;

/// <summary><c>POST /v1/chat/completions</c>: validates, picks the session grain, and relays its chunks.</summary>
public static class ChatCompletionsApi
{
    /// <summary>Header a client sets to keep a conversation's state across requests.</summary>
    public const string SessionHeader = "X-Session-Id";

    public static IEndpointRouteBuilder MapChatCompletionsApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/chat/completions", CreateChatCompletion);
        return app;
    }

    /// <summary>The client's session id, or a fresh ephemeral one for a stateless request.</summary>
    internal static string SessionId(HttpContext http) =>
        http.Request.Headers.TryGetValue(SessionHeader, out var header) && !string.IsNullOrWhiteSpace(header)
            ? header.ToString()
            : ISessionGrain.EphemeralPrefix + Guid.NewGuid().ToString("N");

    private static async Task<IResult> CreateChatCompletion(HttpContext http, IClusterClient cluster, ModelDirectory models, IOptions<GatewayOptions> options, SiloLiveness silos)
    {
        var ct = http.RequestAborted;
        using var body = await RequestBody.ReadJsonAsync(http).ConfigureAwait(false);
        string sessionId = SessionId(http);
        var (request, stream) = ChatCompletionRequestReader.Read(body.RootElement, statefulSession: !sessionId.StartsWith(ISessionGrain.EphemeralPrefix, StringComparison.Ordinal));
        await models.EnsureServedAsync(request.Model).ConfigureAwait(false);

        var session = cluster.GetGrain<ISessionGrain>(sessionId);

        if (!stream)
        {
            var completion = await GrainCalls.Single(session.CreateChatCompletionAsync(request, ct)).ConfigureAwait(false);
            return Results.Text(OpenAIJson.Serialize(completion), "application/json");
        }

        var relay = await ChunkRelay<ChatCompletionChunk>.StartAsync(session.StreamChatCompletionAsync(request, ct), options.Value.StreamInactivityTimeout, silos, ct).ConfigureAwait(false);
        return TypedResults.ServerSentEvents(relay.ReadAllAsync(ct));
    }
}
