using System.Text.Json;
using System.Text.Json.Nodes;
using Cluster.Contracts.Sessions;
using Cluster.Gateway.Hosting;
using static Cluster.Gateway.Apis.ChatCompletionRequestReader;

namespace Cluster.Gateway.Apis;

/// <summary>
/// vLLM's <c>POST /tokenize</c> and <c>POST /detokenize</c> (also under <c>/v1</c>): a text prompt or chat messages to
/// the token ids the completion endpoints would feed the model, and ids back to text. Nothing is generated; the work
/// runs on an ephemeral session grain, which has the model's tokenizer and chat template on any silo.
/// </summary>
public static class TokenizationApi
{
    public static IEndpointRouteBuilder MapTokenizationApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/tokenize", Tokenize);
        app.MapPost("/v1/tokenize", Tokenize);
        app.MapPost("/detokenize", Detokenize);
        app.MapPost("/v1/detokenize", Detokenize);
        return app;
    }

    private static async Task<IResult> Tokenize(HttpContext http, IClusterClient cluster, ModelDirectory models)
    {
        using var body = await RequestBody.ReadJsonAsync(http).ConfigureAwait(false);
        var result = await TokenizeAsync(ReadTokenize(body.RootElement), cluster, models).ConfigureAwait(false);
        var json = new JsonObject
        {
            ["count"] = result.Count,
            ["max_model_len"] = result.MaxModelLength,
            ["tokens"] = new JsonArray(result.Tokens.Select(t => (JsonNode?)t).ToArray()),
        };
        if (result.TokenStrs is { } strs) json["token_strs"] = new JsonArray(strs.Select(s => (JsonNode?)s).ToArray());
        return Results.Text(json.ToJsonString(), "application/json");
    }

    private static async Task<IResult> Detokenize(HttpContext http, IClusterClient cluster, ModelDirectory models)
    {
        using var body = await RequestBody.ReadJsonAsync(http).ConfigureAwait(false);
        var result = await DetokenizeAsync(ReadDetokenize(body.RootElement), cluster, models).ConfigureAwait(false);
        return Results.Text(new JsonObject { ["prompt"] = result.Prompt }.ToJsonString(), "application/json");
    }

    /// <summary>Checks the model is served, then tokenizes on a fresh ephemeral session grain.</summary>
    public static async Task<TokenizeResult> TokenizeAsync(TokenizeRequest request, IClusterClient cluster, ModelDirectory models)
    {
        await models.EnsureServedAsync(request.Model).ConfigureAwait(false);
        var session = cluster.GetGrain<ISessionGrain>(ISessionGrain.EphemeralPrefix + Guid.NewGuid().ToString("N"));
        return await GrainCalls.MapErrors(() => session.TokenizeAsync(request)).ConfigureAwait(false);
    }

    /// <inheritdoc cref="TokenizeAsync"/>
    public static async Task<DetokenizeResult> DetokenizeAsync(DetokenizeRequest request, IClusterClient cluster, ModelDirectory models)
    {
        await models.EnsureServedAsync(request.Model).ConfigureAwait(false);
        var session = cluster.GetGrain<ISessionGrain>(ISessionGrain.EphemeralPrefix + Guid.NewGuid().ToString("N"));
        return await GrainCalls.MapErrors(() => session.DetokenizeAsync(request)).ConfigureAwait(false);
    }

    /// <summary>
    /// A <c>/tokenize</c> body: <c>model</c> and either a string <c>prompt</c> (<c>add_special_tokens</c>, default true)
    /// or <c>messages</c>, read by the chat completions reader (so <c>tools</c>, <c>add_generation_prompt</c> and
    /// <c>chat_template_kwargs</c> mean, and are validated, exactly as there); <c>return_token_strs</c>.
    /// </summary>
    public static TokenizeRequest ReadTokenize(JsonElement body)
    {
        if (body.ValueKind != JsonValueKind.Object)
            throw RequestValidationException.Invalid("", "The request body must be a JSON object.");
        string model = RequiredString(body, "model");
        bool hasPrompt = body.TryGetProperty("prompt", out var p) && p.ValueKind != JsonValueKind.Null;
        bool hasMessages = body.TryGetProperty("messages", out var m) && m.ValueKind != JsonValueKind.Null;
        if (hasPrompt && hasMessages)
            throw RequestValidationException.Invalid("messages", "Give either 'prompt' or 'messages', not both.");
        if (!hasPrompt && !hasMessages)
            throw RequestValidationException.Invalid("prompt", "Missing required parameter: 'prompt' (or 'messages').");
        return new TokenizeRequest
        {
            Model = model,
            Prompt = hasPrompt ? RequiredString(body, "prompt") : null,
            Chat = hasMessages ? Read(body).Request : null,
            AddSpecialTokens = OptionalBool(body, "add_special_tokens") ?? true,
            ReturnTokenStrs = OptionalBool(body, "return_token_strs") ?? false,
        };
    }

    /// <summary>A <c>/detokenize</c> body: <c>model</c> and <c>tokens</c>, an array of non-negative ids.</summary>
    public static DetokenizeRequest ReadDetokenize(JsonElement body)
    {
        if (body.ValueKind != JsonValueKind.Object)
            throw RequestValidationException.Invalid("", "The request body must be a JSON object.");
        string model = RequiredString(body, "model");
        if (!body.TryGetProperty("tokens", out var tokens) || tokens.ValueKind == JsonValueKind.Null)
            throw RequestValidationException.Invalid("tokens", "Missing required parameter: 'tokens'.");
        return new DetokenizeRequest(model, ReadIntArray(body, "tokens"));
    }
}
