using System.Text.Json;
using Cluster.Contracts.OpenAI;
using Cluster.Contracts.Sessions;
using Cluster.Gateway.Hosting;
using Cluster.Gateway.Security;
using Cluster.Gateway.Serialization;
using Cluster.Gateway.Telemetry;
using Microsoft.Extensions.Options;
using static Cluster.Gateway.Apis.ChatCompletionRequestReader;

namespace Cluster.Gateway.Apis;

/// <summary><c>POST /v1/completions</c>: raw prompts (text, token ids, or a batch of either).</summary>
public static class CompletionsApi
{
    public static IEndpointRouteBuilder MapCompletionsApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/completions", CreateCompletion);
        return app;
    }

    private static async Task<IResult> CreateCompletion(HttpContext http, IClusterClient cluster, ModelDirectory models, IOptions<GatewayOptions> options, SiloLiveness silos)
    {
        var ct = http.RequestAborted;
        string sessionId = SessionId.FromHeader(http);
        using var body = await RequestBody.ReadJsonAsync(http).ConfigureAwait(false);
        var (request, stream) = Read(body.RootElement);
        var model = await models.EnsureServedAsync(request.Model).ConfigureAwait(false);
        ContextLength.EnsureBudgetFits(body.RootElement, model, "max_tokens");
        var observer = new RequestObserver(request.Model, "rest", request.IncludeUsage, ApiCaller.Of(http));
        request = RequestObserver.WithUsage(request);
        if (!stream)
        {
            var completion = await GrainCalls.Single(new SessionCall<Completion>(cluster, sessionId, s => s.CreateCompletionAsync(request, ct), silos), ct).ConfigureAwait(false);
            observer.Forward(completion);
            observer.Completed();
            return Results.Text(OpenAIJson.Serialize(completion), "application/json");
        }
        var relay = await ChunkRelay<Completion>.StartAsync(new SessionCall<Completion>(cluster, sessionId, s => s.StreamCompletionAsync(request, ct), silos), observer, options.Value.StreamInactivityTimeout, http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Cluster.Gateway"), ct).ConfigureAwait(false);
        return TypedResults.ServerSentEvents(relay.ReadAllAsync(ct));
    }

    public static (CompletionRequest Request, bool Stream) Read(JsonElement body)
    {
        if (body.ValueKind != JsonValueKind.Object)
            throw RequestValidationException.Invalid("", "The request body must be a JSON object.");
        string model = RequiredString(body, "model");
        if (OptionalBool(body, "echo") == true)
            throw RequestValidationException.Invalid("echo", "'echo' is not supported by this server.");
        if (body.TryGetProperty("suffix", out var suffix) && suffix.ValueKind != JsonValueKind.Null)
            throw RequestValidationException.Invalid("suffix", "'suffix' is not supported by this server.");
        int n = OptionalInt(body, "n", 1, MaxChoices) ?? 1;
        if (OptionalInt(body, "best_of", 1, MaxChoices) is int bestOf && bestOf != n)
            throw RequestValidationException.Invalid("best_of", "'best_of' other than 'n' is not supported by this server.");
        bool includeUsage = false;
        if (body.TryGetProperty("stream_options", out var streamOptions) && streamOptions.ValueKind == JsonValueKind.Object)
            includeUsage = OptionalBool(streamOptions, "include_usage", "stream_options.include_usage") ?? false;
        return (new CompletionRequest
        {
            Model = model,
            Prompts = ReadPrompts(body),
            Sampling = ReadSampling(body),
            MaxTokens = OptionalInt(body, "max_tokens", 1, int.MaxValue) ?? 16,
            Stop = ReadStop(body),
            N = n,
            Logprobs = OptionalInt(body, "logprobs", 0, 5),
            IncludeUsage = includeUsage,
            ReturnTokenIds = OptionalBool(body, "return_token_ids") ?? false,
            MinTokens = OptionalInt(body, "min_tokens", 0, int.MaxValue) ?? 0,
            StopTokenIds = ReadIntArray(body, "stop_token_ids"),
            IgnoreEos = OptionalBool(body, "ignore_eos") ?? false,
            SkipSpecialTokens = OptionalBool(body, "skip_special_tokens") ?? true,
            OutputConstraint = OutputConstraintReader.Read(body),
        }, OptionalBool(body, "stream") ?? false);
    }

    /// <summary>OpenAI accepts a string, an array of strings, an array of token ids, or an array of those.</summary>
    private static CompletionPrompt[] ReadPrompts(JsonElement body)
    {
        if (!body.TryGetProperty("prompt", out var prompt) || prompt.ValueKind == JsonValueKind.Null)
            throw RequestValidationException.Invalid("prompt", "Missing required parameter: 'prompt'.");
        const string shape = "'prompt' must be a string, an array of strings, an array of token ids, or an array of token-id arrays.";
        if (prompt.ValueKind == JsonValueKind.String) return [new CompletionPrompt(prompt.GetString(), null)];
        if (prompt.ValueKind != JsonValueKind.Array || prompt.GetArrayLength() == 0)
            throw RequestValidationException.Invalid("prompt", shape);
        var items = prompt.EnumerateArray().ToList();
        if (items.All(i => i.ValueKind == JsonValueKind.Number)) return [new CompletionPrompt(null, TokenIds(prompt, "prompt"))];
        if (items.All(i => i.ValueKind == JsonValueKind.String)) return items.Select(i => new CompletionPrompt(i.GetString(), null)).ToArray();
        if (items.All(i => i.ValueKind == JsonValueKind.Array)) return items.Select((i, k) => new CompletionPrompt(null, TokenIds(i, $"prompt[{k}]"))).ToArray();
        throw RequestValidationException.Invalid("prompt", shape);
    }

    private static int[] TokenIds(JsonElement array, string param)
    {
        if (array.GetArrayLength() == 0) throw RequestValidationException.Invalid(param, $"'{param}' must not be empty.");
        return array.EnumerateArray().Select(v => v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int id) && id >= 0
            ? id
            : throw RequestValidationException.Invalid(param, $"'{param}' must contain non-negative integer token ids.")).ToArray();
    }
}
