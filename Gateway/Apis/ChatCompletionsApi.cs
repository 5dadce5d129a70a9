using System.Text.Json;
using Cluster.Contracts.OpenAI;
using Cluster.Contracts.Sessions;
using Cluster.Gateway.Hosting;
using Cluster.Gateway.Security;
using Cluster.Gateway.Serialization;
using Cluster.Gateway.Telemetry;
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
        var observer = new RequestObserver(request.Model, "rest", request.IncludeUsage, ApiCaller.Of(http));
        request = RequestObserver.WithUsage(request);

        if (!stream)
        {
            var completion = await GrainCalls.Single(new SessionCall<ChatCompletion>(cluster, sessionId, s => s.CreateChatCompletionAsync(request, ct), silos), ct).ConfigureAwait(false);
            observer.Forward(completion);
            observer.Completed();
            return Results.Text(OpenAIJson.Serialize(completion), "application/json");
        }

        var relay = await ChunkRelay<ChatCompletionChunk>.StartAsync(new SessionCall<ChatCompletionChunk>(cluster, sessionId, s => s.StreamChatCompletionAsync(request, ct), silos), observer, options.Value.StreamInactivityTimeout, http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Cluster.Gateway"), ct).ConfigureAwait(false);
        return TypedResults.ServerSentEvents(relay.ReadAllAsync(ct));
    }
}
