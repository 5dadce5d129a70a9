using Cluster.Contracts.Generation;

namespace Cluster.Contracts.OpenAI;

/// <summary>A validated <c>POST /v1/completions</c> body.</summary>
[GenerateSerializer, Immutable, Alias("cluster.completion-request")]
public sealed record CompletionRequest
{
    [Id(0)] public required string Model { get; init; }

    /// <summary>One entry per prompt of the batch; each is text or token ids.</summary>
    [Id(1)] public required CompletionPrompt[] Prompts { get; init; }

    [Id(2)] public SamplingOptions Sampling { get; init; } = new();

    /// <summary>OpenAI's default for this endpoint is 16.</summary>
    [Id(3)] public int MaxTokens { get; init; } = 16;

    [Id(4)] public string[] Stop { get; init; } = [];

    [Id(5)] public int N { get; init; } = 1;

    /// <summary>Legacy <c>logprobs</c>: null, or how many top alternatives per token (0–5).</summary>
    [Id(6)] public int? Logprobs { get; init; }

    [Id(7)] public bool IncludeUsage { get; init; }

    [Id(8)] public bool ReturnTokenIds { get; init; }

    [Id(9)] public int MinTokens { get; init; }

    [Id(10)] public int[] StopTokenIds { get; init; } = [];

    [Id(11)] public bool IgnoreEos { get; init; }

    [Id(12)] public bool SkipSpecialTokens { get; init; } = true;

    /// <summary>vLLM's <c>structured_outputs</c> (or <c>response_format</c>), as a constraint; null when free.</summary>
    [Id(13)] public GenerationConstraint? OutputConstraint { get; init; }
}

/// <summary>A prompt given as text (tokenized with special tokens recognised, as vLLM does) or as token ids.</summary>
[GenerateSerializer, Immutable, Alias("cluster.completion-prompt")]
public sealed record CompletionPrompt([property: Id(0)] string? Text, [property: Id(1)] int[]? TokenIds);
