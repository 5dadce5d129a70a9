using Cluster.Contracts.OpenAI;

namespace Cluster.Contracts.Sessions;

/// <summary>
/// vLLM's <c>POST /tokenize</c>: either a text <see cref="Prompt"/> or a chat request (<see cref="Chat"/>), tokenized
/// exactly as <c>/v1/completions</c> and <c>/v1/chat/completions</c> tokenize their prompts.
/// </summary>
[GenerateSerializer, Immutable, Alias("cluster.tokenize-request")]
public sealed record TokenizeRequest
{
    [Id(0)] public required string Model { get; init; }

    /// <summary>A text prompt; null when <see cref="Chat"/> is set.</summary>
    [Id(1)] public string? Prompt { get; init; }

    /// <summary>vLLM's <c>add_special_tokens</c> for a text prompt (default true): the BOS the tokenizer's config adds.</summary>
    [Id(2)] public bool AddSpecialTokens { get; init; } = true;

    /// <summary>Messages, tools, <c>add_generation_prompt</c> and <c>chat_template_kwargs</c>, rendered with the model's
    /// chat template; null when <see cref="Prompt"/> is set.</summary>
    [Id(3)] public ChatCompletionRequest? Chat { get; init; }

    /// <summary>vLLM's <c>return_token_strs</c>: each token's vocabulary spelling too.</summary>
    [Id(4)] public bool ReturnTokenStrs { get; init; }
}

/// <summary>The answer to <see cref="TokenizeRequest"/>: vLLM's <c>tokens</c>, <c>count</c>, <c>max_model_len</c>, <c>token_strs</c>.</summary>
[GenerateSerializer, Immutable, Alias("cluster.tokenize-result")]
public sealed record TokenizeResult(
    [property: Id(0)] int[] Tokens,
    [property: Id(1)] int MaxModelLength,
    [property: Id(2)] string?[]? TokenStrs = null)
{
    public int Count => Tokens.Length;
}

/// <summary>vLLM's <c>POST /detokenize</c>: token ids back to text (special tokens kept, as Hugging Face's decode does).</summary>
[GenerateSerializer, Immutable, Alias("cluster.detokenize-request")]
public sealed record DetokenizeRequest([property: Id(0)] string Model, [property: Id(1)] int[] Tokens);

/// <summary>The answer to <see cref="DetokenizeRequest"/>: vLLM's <c>prompt</c>.</summary>
[GenerateSerializer, Immutable, Alias("cluster.detokenize-result")]
public sealed record DetokenizeResult([property: Id(0)] string Prompt);
