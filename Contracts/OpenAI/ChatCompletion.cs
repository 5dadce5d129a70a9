using System.Text.Json.Serialization;

namespace Cluster.Contracts.OpenAI;

/// <summary>A non-streamed <c>chat.completion</c> response.</summary>
[GenerateSerializer, Immutable, Alias("cluster.chat-completion")]
public sealed record ChatCompletion : Sessions.ISessionChunk
{
    [Id(0)] public required string Id { get; init; }

    [Id(1)] public string Object { get; init; } = "chat.completion";

    [Id(2)] public required long Created { get; init; }

    [Id(3)] public required string Model { get; init; }

    [Id(4)] public string? SystemFingerprint { get; init; }

    [Id(5)] public required ChatCompletionChoice[] Choices { get; init; }

    [Id(6)] public required CompletionUsage Usage { get; init; }

    /// <summary>vLLM's <c>return_token_ids</c>.</summary>
    [Id(7)] public int[]? PromptTokenIds { get; init; }

    /// <inheritdoc/>
    [Id(8), JsonIgnore] public string? Host { get; init; }
}

[GenerateSerializer, Immutable, Alias("cluster.chat-completion-choice")]
public sealed record ChatCompletionChoice
{
    [Id(0)] public required int Index { get; init; }

    [Id(1)] public required AssistantMessage Message { get; init; }

    [Id(2), JsonIgnore(Condition = JsonIgnoreCondition.Never)] public ChoiceLogprobs? Logprobs { get; init; }

    [Id(3), JsonIgnore(Condition = JsonIgnoreCondition.Never)] public required string FinishReason { get; init; }

    /// <summary>vLLM's <c>return_token_ids</c>: the completion's token ids.</summary>
    [Id(4)] public int[]? TokenIds { get; init; }

    /// <summary>Extension: the tool-call parser's report, when a parser ran.</summary>
    [Id(5)] public ToolParseReport? ToolParse { get; init; }
}

/// <summary>The assistant's reply: <c>content</c> is null when the reply is only tool calls.</summary>
[GenerateSerializer, Immutable, Alias("cluster.assistant-message")]
public sealed record AssistantMessage
{
    [Id(0)] public string Role { get; init; } = "assistant";

    [Id(1), JsonIgnore(Condition = JsonIgnoreCondition.Never)] public string? Content { get; init; }

    [Id(2)] public string? ReasoningContent { get; init; }

    [Id(3)] public AssistantToolCall[]? ToolCalls { get; init; }
}

[GenerateSerializer, Immutable, Alias("cluster.assistant-tool-call")]
public sealed record AssistantToolCall
{
    [Id(0)] public required string Id { get; init; }

    [Id(1)] public string Type { get; init; } = "function";

    [Id(2)] public required FunctionCall Function { get; init; }
}

[GenerateSerializer, Immutable, Alias("cluster.function-call")]
public sealed record FunctionCall([property: Id(0)] string Name, [property: Id(1)] string Arguments);
