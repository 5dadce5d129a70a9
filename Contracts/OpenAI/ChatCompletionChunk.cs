using System.Text.Json.Serialization;

namespace Cluster.Contracts.OpenAI;

/// <summary>One <c>chat.completion.chunk</c> of a streamed response, exactly as OpenAI shapes it.</summary>
[GenerateSerializer, Immutable, Alias("cluster.chat-completion-chunk")]
public sealed record ChatCompletionChunk : Sessions.ISessionChunk
{
    [Id(0)] public required string Id { get; init; }

    [Id(1)] public string Object { get; init; } = "chat.completion.chunk";

    [Id(2)] public required long Created { get; init; }

    [Id(3)] public required string Model { get; init; }

    [Id(4)] public string? SystemFingerprint { get; init; }

    [Id(5)] public required ChunkChoice[] Choices { get; init; }

    /// <summary>Present (non-null) only on the final usage chunk when <c>stream_options.include_usage</c> is set.</summary>
    [Id(6)] public CompletionUsage? Usage { get; init; }

    /// <summary>vLLM's <c>return_token_ids</c>: the prompt's token ids, on the first chunk.</summary>
    [Id(7)] public int[]? PromptTokenIds { get; init; }

    /// <inheritdoc/>
    [Id(8), JsonIgnore] public string? Host { get; init; }
}

[GenerateSerializer, Immutable, Alias("cluster.chunk-choice")]
public sealed record ChunkChoice
{
    [Id(0)] public required int Index { get; init; }

    [Id(1)] public required ChatCompletionDelta Delta { get; init; }

    [Id(2), JsonIgnore(Condition = JsonIgnoreCondition.Never)] public ChoiceLogprobs? Logprobs { get; init; }

    [Id(3), JsonIgnore(Condition = JsonIgnoreCondition.Never)] public string? FinishReason { get; init; }

    /// <summary>vLLM's <c>return_token_ids</c>: the ids of the tokens this chunk's text came from.</summary>
    [Id(4)] public int[]? TokenIds { get; init; }

    /// <summary>Extension: the tool-call parser's report, on the chunk that carries the finish reason.</summary>
    [Id(5)] public ToolParseReport? ToolParse { get; init; }
}

/// <summary>What a chunk adds to the message: absent fields are omitted on the wire.</summary>
[GenerateSerializer, Immutable, Alias("cluster.chat-completion-delta")]
public sealed record ChatCompletionDelta
{
    [Id(0)] public string? Role { get; init; }

    [Id(1)] public string? Content { get; init; }

    [Id(2)] public string? ReasoningContent { get; init; }

    [Id(3)] public ToolCallDelta[]? ToolCalls { get; init; }
}

/// <summary>
/// A streamed piece of a tool call. The first delta of a call carries index, id, type and the whole name
/// with empty arguments; later deltas carry only the index and an argument fragment.
/// </summary>
[GenerateSerializer, Immutable, Alias("cluster.tool-call-delta")]
public sealed record ToolCallDelta
{
    [Id(0), JsonIgnore(Condition = JsonIgnoreCondition.Never)] public required int Index { get; init; }

    [Id(1)] public string? Id { get; init; }

    [Id(2)] public string? Type { get; init; }

    [Id(3)] public required FunctionCallDelta Function { get; init; }
}

[GenerateSerializer, Immutable, Alias("cluster.function-call-delta")]
public sealed record FunctionCallDelta
{
    [Id(0)] public string? Name { get; init; }

    [Id(1)] public string? Arguments { get; init; }
}

/// <summary>Token counts of a request, as OpenAI's <c>usage</c> object.</summary>
[GenerateSerializer, Immutable, Alias("cluster.completion-usage")]
public sealed record CompletionUsage(
    [property: Id(0)] int PromptTokens,
    [property: Id(1)] int CompletionTokens,
    [property: Id(2)] int TotalTokens)
{
    /// <summary>OpenAI's <c>prompt_tokens_details</c>: how many prompt tokens were served from the prefix cache.</summary>
    [Id(3)] public PromptTokensDetails? PromptTokensDetails { get; init; }
}

/// <summary>OpenAI's <c>usage.prompt_tokens_details</c>.</summary>
[GenerateSerializer, Immutable, Alias("cluster.prompt-tokens-details")]
public sealed record PromptTokensDetails([property: Id(0)] int CachedTokens);
