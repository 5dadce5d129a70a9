using System.Text.Json;
using Cluster.Contracts.OpenAI;
using Cluster.Contracts.Sessions;
using Cluster.Gateway.Hosting;
using Cluster.Gateway.Security;
using Cluster.Gateway.Serialization;
using Microsoft.Extensions.Options;

namespace Cluster.Gateway.Apis;

/// <summary><c>POST /v1/chat/completions</c>: validates, picks the session grain, and relays its chunks.</summary>
public static class ChatCompletionsApi
{
    public static IEndpointRouteBuilder MapChatCompletionsApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/chat/completions", CreateChatCompletion);
        return app;
    }

    private static async Task<IResult> CreateChatCompletion(HttpContext http, IClusterClient cluster, ModelDirectory models, IOptions<GatewayOptions> options, SiloLiveness silos)
    {
        var ct = http.RequestAborted;
        string sessionId = SessionId.FromHeader(http);
        using var body = await RequestBody.ReadJsonAsync(http).ConfigureAwait(false);
        var (request, stream) = ChatCompletionRequestReader.Read(body.RootElement, statefulSession: !sessionId.StartsWith(ISessionGrain.EphemeralPrefix, StringComparison.Ordinal));
        var model = await models.EnsureServedAsync(request.Model).ConfigureAwait(false);
        ContextLength.EnsureBudgetFits(body.RootElement, model, "max_completion_tokens", "max_tokens");
        var caller = ApiCaller.Of(http);

        if (!stream)
        {
            var completion = await GrainCalls.Single(new SessionCall<ChatCompletion>(cluster, sessionId, s => s.CreateChatCompletionAsync(request, ct), silos), ct).ConfigureAwait(false);
            caller?.Charge(completion.Usage);
            return Results.Text(OpenAIJson.Serialize(completion), "application/json");
        }

        // A key with a token limit is charged the stream's usage, so the session is asked for it either way.
        bool metered = caller?.MetersTokens == true;
        var upstream = metered ? request with { IncludeUsage = true } : request;
        var relay = await ChunkRelay<ChatCompletionChunk>.StartAsync(new SessionCall<ChatCompletionChunk>(cluster, sessionId, s => s.StreamChatCompletionAsync(upstream, ct), silos), options.Value.StreamInactivityTimeout, http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Cluster.Gateway"), ct,
            metered ? chunk => caller!.Forward(chunk.Usage, request.IncludeUsage) : null).ConfigureAwait(false);
        return TypedResults.ServerSentEvents(relay.ReadAllAsync(ct));
    }
}
