namespace Cluster.Contracts.Generation;

/// <summary>A tokenized prompt and the settings that govern its continuation.</summary>
[GenerateSerializer, Immutable, Alias("cluster.token-generation-request")]
public sealed record TokenGenerationRequest
{
    [Id(0)] public required int[] PromptTokenIds { get; init; }

    [Id(1)] public required SamplingOptions Sampling { get; init; }

    [Id(2)] public required int MaxTokens { get; init; }

    /// <summary>Generation ends after any of these (end-of-sequence ids unless the request ignores them).</summary>
    [Id(3)] public int[] StopTokenIds { get; init; } = [];

    /// <summary>Stop tokens are impossible until this many tokens were generated.</summary>
    [Id(4)] public int MinTokens { get; init; }

    /// <summary>Constrained decoding for this sequence, or null.</summary>
    [Id(5)] public GenerationConstraint? Constraint { get; init; }
}

/// <summary>
/// Sampling fields of an OpenAI/vLLM request. Temperature 0 is greedy. Null temperature, top_p, top_k and
/// repetition_penalty take the model's <c>generation_config.json</c> defaults (then 1, 1, off, 1).
/// </summary>
[GenerateSerializer, Immutable, Alias("cluster.sampling-options")]
public sealed record SamplingOptions
{
    [Id(0)] public float? Temperature { get; init; }

    [Id(1)] public float? TopP { get; init; }

    [Id(2)] public int? TopK { get; init; }

    [Id(3)] public float MinP { get; init; }

    [Id(4)] public ulong? Seed { get; init; }

    [Id(5)] public float PresencePenalty { get; init; }

    [Id(6)] public float FrequencyPenalty { get; init; }

    [Id(7)] public float? RepetitionPenalty { get; init; }

    /// <summary>OpenAI's <c>logit_bias</c>: token id → bias added to its logit.</summary>
    [Id(8)] public Dictionary<int, float>? LogitBias { get; init; }

    /// <summary>Null: no log-probabilities; otherwise the number of top alternatives wanted per token (0–20).</summary>
    [Id(9)] public int? Logprobs { get; init; }
}

/// <summary>
/// One generated token; <see cref="FinishReason"/> is set on the last one of the sequence. A token id of -1
/// marks a sequence that ended without producing another token. The first event of a sequence carries
/// <see cref="CachedPromptTokens"/>: how many of its prompt tokens the replica's prefix cache already held.
/// </summary>
[GenerateSerializer, Immutable, Alias("cluster.generated-token")]
public readonly record struct GeneratedTokenEvent(
    [property: Id(0)] int TokenId,
    [property: Id(1)] GenerationFinishReason? FinishReason,
    [property: Id(2)] float? Logprob = null,
    [property: Id(3)] TokenLogprobEvent[]? TopLogprobs = null,
    [property: Id(4)] int? CachedPromptTokens = null);

/// <summary>An alternative token and its log-probability.</summary>
[GenerateSerializer, Immutable, Alias("cluster.token-logprob")]
public readonly record struct TokenLogprobEvent([property: Id(0)] int TokenId, [property: Id(1)] float Logprob);

/// <summary>Why a generation ended.</summary>
[GenerateSerializer, Alias("cluster.generation-finish-reason")]
public enum GenerationFinishReason
{
    Stop,
    Length,
    Cancelled,
    Error,
}

/// <summary>OpenAI's <c>finish_reason</c> for a generation that ended.</summary>
public static class GenerationFinishReasons
{
    /// <summary>"length" when a token limit ended it, "stop" otherwise.</summary>
    public static string ToOpenAI(this GenerationFinishReason reason) => reason == GenerationFinishReason.Length ? "length" : "stop";
}

/// <summary>Engine load on one device.</summary>
[GenerateSerializer, Immutable, Alias("cluster.model-grain-status")]
public sealed record ModelGrainStatus(
    [property: Id(0)] string Model,
    [property: Id(1)] string Device,
    [property: Id(2)] int Running,
    [property: Id(3)] int Waiting,
    [property: Id(4)] int UsedCacheBlocks,
    [property: Id(5)] int CacheBlocks,
    [property: Id(6)] int BlockSize,
    [property: Id(7)] long CacheBytes,
    [property: Id(8)] long Preemptions,
    [property: Id(9)] long GeneratedTokens = 0,
    [property: Id(10)] long PrefixCacheQueries = 0,
    [property: Id(11)] long PrefixCacheHits = 0)
{
    /// <summary>
    /// Which prompt prefixes the replica's prefix cache holds: 64-bit digests of the chained hashes of every 4th
    /// <see cref="BlockSize"/>-token block of the cached sequences (see the engine's <c>BlockPool.Landmarks</c>).
    /// </summary>
    [Id(12)] public ulong[] PrefixLandmarks { get; init; } = [];
}
