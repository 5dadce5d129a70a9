using Cluster.Contracts.Sessions;
using Cluster.Gateway.Apis;
using Cluster.Gateway.Hosting;
using Cluster.Gateway.Security;
using Cluster.Gateway.Telemetry;
using Grpc.Core;
using Microsoft.Extensions.Options;
using V1 = Cluster.Inference.V1;

namespace Cluster.Gateway.Grpc;

/// <summary>
/// <c>cluster.inference.v1.Inference</c>: each RPC turns its message into the REST body (<see cref="GrpcRequestJson"/>),
/// validates it with the REST endpoint's reader, and streams the same session-grain call REST streams.
/// </summary>
public sealed class InferenceService(IClusterClient cluster, ModelDirectory models, IOptions<GatewayOptions> options, SiloLiveness silos) : V1.Inference.InferenceBase
{
    /// <summary>Metadata entry selecting a stateful session: REST's <c>X-Session-Id</c>.</summary>
    public const string SessionMetadata = "session-id";

    public override async Task<V1.ListModelsResponse> ListModels(V1.ListModelsRequest request, ServerCallContext context)
    {
        var response = new V1.ListModelsResponse();
        foreach (var replicas in await models.ListAsync().ConfigureAwait(false)) response.Data.Add(ProtoMessages.Model(replicas));
        return response;
    }

    public override async Task<V1.Model> GetModel(V1.GetModelRequest request, ServerCallContext context) =>
        ProtoMessages.Model(await models.EnsureServedAsync(request.Id).ConfigureAwait(false));

    public override async Task CreateChatCompletion(V1.ChatCompletionRequest request, IServerStreamWriter<V1.ChatCompletionChunk> responseStream, ServerCallContext context)
    {
        string sessionId = SessionId(context);
        using var body = GrpcRequestJson.StreamingBody(request);
        var (chat, _) = ChatCompletionRequestReader.Read(body.RootElement, statefulSession: !sessionId.StartsWith(ISessionGrain.EphemeralPrefix, StringComparison.Ordinal));
        await models.EnsureServedAsync(chat.Model).ConfigureAwait(false);
        var session = cluster.GetGrain<ISessionGrain>(sessionId);
        var ct = context.CancellationToken;
        var observer = new RequestObserver(chat.Model, "grpc", chat.IncludeUsage, ApiCaller.Of(context.GetHttpContext()));
        await GrpcChunkRelay.RelayAsync(session.StreamChatCompletionAsync(RequestObserver.WithUsage(chat), ct), ProtoMessages.Chunk, observer, responseStream, options.Value.StreamInactivityTimeout, silos, ct).ConfigureAwait(false);
    }

    public override async Task CreateCompletion(V1.CompletionRequest request, IServerStreamWriter<V1.Completion> responseStream, ServerCallContext context)
    {
        using var body = GrpcRequestJson.StreamingBody(request);
        var (completion, _) = CompletionsApi.Read(body.RootElement);
        await StreamCompletionAsync(completion, ProtoMessages.Completion, responseStream, context).ConfigureAwait(false);
    }

    public override async Task Generate(V1.GenerateRequest request, IServerStreamWriter<V1.GenerateResponse> responseStream, ServerCallContext context)
    {
        // The completions path with a token-id prompt, token ids back, and usage on the last message.
        Contracts.OpenAI.CompletionRequest completion;
        using (var body = GrpcRequestJson.StreamingBody(request, json =>
        {
            if (json.Remove("prompt_token_ids", out var ids)) json["prompt"] = ids;
            json["logprobs"] = request.HasLogprobs && request.Logprobs ? 0 : null;
            json["return_token_ids"] = true;
            json["stream_options"] = new System.Text.Json.Nodes.JsonObject { ["include_usage"] = true };
        }))
        {
            try
            {
                completion = CompletionsApi.Read(body.RootElement).Request;
            }
            catch (RequestValidationException e) when (e.ToResponse().Error.Param is { } param && param.StartsWith("prompt", StringComparison.Ordinal))
            {
                string renamed = "prompt_token_ids" + param["prompt".Length..];
                throw new RequestValidationException(e.StatusCode, e.Message.Replace($"'{param}'", $"'{renamed}'", StringComparison.Ordinal), renamed, e.ToResponse().Error.Code);
            }
        }
        await StreamCompletionAsync(completion, ProtoMessages.Generated, responseStream, context).ConfigureAwait(false);
    }

    public override async Task<V1.TokenizeResponse> Tokenize(V1.TokenizeRequest request, ServerCallContext context)
    {
        Contracts.Sessions.TokenizeRequest tokenize;
        using (var body = GrpcRequestJson.Body(request)) tokenize = TokenizationApi.ReadTokenize(body.RootElement);
        return ProtoMessages.Tokenized(await TokenizationApi.TokenizeAsync(tokenize, cluster, models).ConfigureAwait(false));
    }

    public override async Task<V1.DetokenizeResponse> Detokenize(V1.DetokenizeRequest request, ServerCallContext context)
    {
        Contracts.Sessions.DetokenizeRequest detokenize;
        // An empty repeated field is absent in proto3: it means no tokens, not a missing field.
        using (var body = GrpcRequestJson.Body(request, json => json["tokens"] ??= new System.Text.Json.Nodes.JsonArray()))
            detokenize = TokenizationApi.ReadDetokenize(body.RootElement);
        var result = await TokenizationApi.DetokenizeAsync(detokenize, cluster, models).ConfigureAwait(false);
        return new V1.DetokenizeResponse { Prompt = result.Prompt };
    }

    private async Task StreamCompletionAsync<TMessage>(Contracts.OpenAI.CompletionRequest request, Func<Contracts.OpenAI.Completion, TMessage> map,
        IServerStreamWriter<TMessage> responseStream, ServerCallContext context)
    {
        await models.EnsureServedAsync(request.Model).ConfigureAwait(false);
        var session = cluster.GetGrain<ISessionGrain>(SessionId(context));
        var ct = context.CancellationToken;
        var observer = new RequestObserver(request.Model, "grpc", request.IncludeUsage, ApiCaller.Of(context.GetHttpContext()));
        await GrpcChunkRelay.RelayAsync(session.StreamCompletionAsync(RequestObserver.WithUsage(request), ct), map, observer, responseStream, options.Value.StreamInactivityTimeout, silos, ct).ConfigureAwait(false);
    }

    /// <summary>The <c>session-id</c> metadata entry, or a fresh ephemeral id: the rules of REST's <c>X-Session-Id</c>.</summary>
    private static string SessionId(ServerCallContext context) =>
        context.RequestHeaders.GetValue(SessionMetadata) is { } id && !string.IsNullOrWhiteSpace(id)
            ? id
            : ISessionGrain.EphemeralPrefix + Guid.NewGuid().ToString("N");
}
