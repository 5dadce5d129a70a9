using System.Text.Json.Serialization;

namespace Cluster.Contracts.OpenAI;

/// <summary>A <c>text_completion</c> object: a whole response, or one streamed chunk of it.</summary>
[GenerateSerializer, Immutable, Alias("cluster.completion")]
public sealed record Completion : Sessions.ISessionChunk
{
    [Id(0)] public required string Id { get; init; }

    [Id(1)] public string Object { get; init; } = "text_completion";

    [Id(2)] public required long Created { get; init; }

    [Id(3)] public required string Model { get; init; }

    [Id(4)] public required CompletionChoice[] Choices { get; init; }

    [Id(5)] public CompletionUsage? Usage { get; init; }

    /// <inheritdoc/>
    [Id(6), JsonIgnore] public string? Host { get; init; }
}

[GenerateSerializer, Immutable, Alias("cluster.completion-choice")]
public sealed record CompletionChoice
{
    [Id(0)] public required int Index { get; init; }

    [Id(1)] public required string Text { get; init; }

    [Id(2), JsonIgnore(Condition = JsonIgnoreCondition.Never)] public CompletionLogprobs? Logprobs { get; init; }

    [Id(3), JsonIgnore(Condition = JsonIgnoreCondition.Never)] public string? FinishReason { get; init; }

    /// <summary>vLLM's <c>return_token_ids</c>: the prompt's ids (first chunk of a choice, or the whole response).</summary>
    [Id(4)] public int[]? PromptTokenIds { get; init; }

    /// <summary>vLLM's <c>return_token_ids</c>: the ids this choice's text came from.</summary>
    [Id(5)] public int[]? TokenIds { get; init; }
}

/// <summary>The legacy completions log-probability layout (parallel arrays).</summary>
[GenerateSerializer, Immutable, Alias("cluster.completion-logprobs")]
public sealed record CompletionLogprobs(
    [property: Id(0)] string[] Tokens,
    [property: Id(1)] float[] TokenLogprobs,
    [property: Id(2)] Dictionary<string, float>[] TopLogprobs,
    [property: Id(3)] int[] TextOffset);
