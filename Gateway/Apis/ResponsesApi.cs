using Cluster.Contracts.Responses;
using Cluster.Contracts.Sessions;
using Cluster.Gateway.Hosting;
using Cluster.Gateway.Security;
using Cluster.Gateway.Serialization;
using Cluster.Gateway.Telemetry;
using Microsoft.Extensions.Options;

namespace Cluster.Gateway.Apis;

/// <summary>
/// OpenAI's Responses API: <c>POST /v1/responses</c> (streamed as typed events or not), <c>GET</c> and <c>DELETE
/// /v1/responses/{id}</c>, <c>GET /v1/responses/{id}/input_items</c>. A stored response lives in its own session grain
/// (<see cref="StoredResponse.SessionKey"/>), so any gateway can read or continue it.
/// </summary>
public static class ResponsesApi
{
    private const int DefaultPageSize = 20, MaxPageSize = 100;

    /// <summary>Bounds the grain reads one request's <c>item_reference</c>s can cause.</summary>
    private const int MaxReferencedResponses = 64;

    public static IEndpointRouteBuilder MapResponsesApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/responses", CreateResponse);
        app.MapGet("/v1/responses/{id}", async (string id, IClusterClient cluster) =>
            Results.Text(ResponsesJson.Serialize((await StoredAsync(cluster, id).ConfigureAwait(false)).Response), "application/json"));
        app.MapDelete("/v1/responses/{id}", async (string id, IClusterClient cluster) =>
        {
            await StoredAsync(cluster, id).ConfigureAwait(false);
            await GrainCalls.MapErrors(async () =>
            {
                await cluster.GetGrain<ISessionGrain>(StoredResponse.SessionKey(id)).ClearAsync().ConfigureAwait(false);
                return true;
            }).ConfigureAwait(false);
            return Results.Text(ResponsesJson.Deleted(id), "application/json");
        });
        app.MapGet("/v1/responses/{id}/input_items", ListInputItems);
        app.MapPost("/v1/responses/{id}/cancel", async (string id, IClusterClient cluster) =>
        {
            await StoredAsync(cluster, id).ConfigureAwait(false);
            throw RequestValidationException.Invalid("response_id", "Only background responses can be cancelled, and this server runs none: the response has already finished.");
        });
        return app;
    }

    private static async Task<IResult> CreateResponse(HttpContext http, IClusterClient cluster, ModelDirectory models, IOptions<GatewayOptions> options, SiloLiveness silos)
    {
        var ct = http.RequestAborted;
        using var body = await RequestBody.ReadJsonAsync(http).ConfigureAwait(false);
        var request = ResponseRequestReader.Read(body.RootElement, await ReferencedItemsAsync(cluster, body.RootElement).ConfigureAwait(false));
        var model = await models.EnsureServedAsync(request.Chat.Model).ConfigureAwait(false);
        ContextLength.EnsureBudgetFits(body.RootElement, model, "max_output_tokens");
        var observer = new RequestObserver(request.Chat.Model, "responses", clientWantsUsage: true, ApiCaller.Of(http));
        // A response that is not stored runs on a single-use session, as a stateless chat request does.
        string sessionId = request.Store ? StoredResponse.SessionKey(request.Id) : SessionId.NewEphemeral();
        var call = new SessionCall<ResponseStreamEvent>(cluster, sessionId, s => s.RespondAsync(request, ct), silos);
        if (!request.Stream)
        {
            var terminal = await GrainCalls.Single(call, ct).ConfigureAwait(false);
            observer.Forward(terminal);
            observer.Completed();
            return Results.Text(ResponsesJson.Serialize(terminal.Response!), "application/json");
        }
        var relay = await ChunkRelay<ResponseStreamEvent>.StartAsync(call, observer, options.Value.StreamInactivityTimeout,
            http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Cluster.Gateway"), ct, new ResponsesSseFormat()).ConfigureAwait(false);
        return TypedResults.ServerSentEvents(relay.ReadAllAsync(ct));
    }

    private static async Task<IResult> ListInputItems(string id, HttpContext http, IClusterClient cluster)
    {
        var query = http.Request.Query;
        int limit = DefaultPageSize;
        if (query.TryGetValue("limit", out var limitText) && (!int.TryParse(limitText, out limit) || limit is < 1 or > MaxPageSize))
            throw RequestValidationException.Invalid("limit", $"Invalid 'limit': expected an integer from 1 to {MaxPageSize}.");
        string order = query.TryGetValue("order", out var orderText) ? orderText.ToString() : "desc";
        if (order is not ("asc" or "desc"))
            throw RequestValidationException.Invalid("order", $"Invalid value for 'order': '{order}'. Supported values are: 'asc' and 'desc'.");
        var items = (await StoredAsync(cluster, id).ConfigureAwait(false)).Input.AsEnumerable();
        if (order == "desc") items = items.Reverse();
        if (query.TryGetValue("after", out var after))
        {
            var list = items.ToList();
            int at = list.FindIndex(i => i.Id == after);
            if (at < 0) throw RequestValidationException.Invalid("after", $"Invalid 'after': '{after}' is not an input item of response '{id}'.");
            items = list.Skip(at + 1);
        }
        var page = items.Take(limit + 1).ToList();
        return Results.Text(ResponsesJson.InputItems(page.Take(limit).ToList(), hasMore: page.Count > limit), "application/json");
    }

    /// <summary>
    /// The stored items the input's <c>item_reference</c>s name, found through the response each id names (see
    /// <see cref="ResponseItemId"/>); an item of a response that is gone, or is another key's, stays unresolved and the
    /// reader refuses its reference.
    /// </summary>
    private static async Task<IReadOnlyDictionary<string, ResponseItem>> ReferencedItemsAsync(IClusterClient cluster, System.Text.Json.JsonElement body)
    {
        var items = new Dictionary<string, ResponseItem>(StringComparer.Ordinal);
        var responses = ResponseRequestReader.ReferencedItemIds(body).Select(ResponseItemId.ResponseOf).OfType<string>().Where(SessionId.IsValid).Distinct().ToList();
        if (responses.Count > MaxReferencedResponses)
            throw RequestValidationException.Invalid("input", $"'input' refers to items of {responses.Count} responses; at most {MaxReferencedResponses} may be referred to at once.");
        foreach (string responseId in responses)
        {
            try
            {
                var stored = await StoredAsync(cluster, responseId).ConfigureAwait(false);
                foreach (var item in stored.Input.Concat(stored.Response.Output))
                    if (item.Id is { } id) items.TryAdd(id, item);
            }
            catch (RequestValidationException e) when (e.StatusCode == StatusCodes.Status404NotFound)
            {
            }
        }
        return items;
    }

    private static Task<StoredResponse> StoredAsync(IClusterClient cluster, string id) =>
        GrainCalls.MapErrors(() => cluster.GetGrain<ISessionGrain>(StoredResponse.SessionKey(SessionId.Require(id, "response_id"))).GetStoredResponseAsync("response_id"));
}
