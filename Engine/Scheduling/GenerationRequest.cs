using Cluster.Engine.Sampling;

namespace Cluster.Engine.Scheduling;

/// <summary>What one sequence asks of the engine: a tokenized prompt, how to sample, and when to stop.</summary>
public sealed record GenerationRequest(IReadOnlyList<int> PromptTokenIds, SamplingParameters Sampling, int MaxTokens)
{
    /// <summary>Generation ends after emitting any of these (end-of-sequence ids unless ignored, <c>stop_token_ids</c>).</summary>
    public IReadOnlySet<int> StopTokenIds { get; init; } = new HashSet<int>();

    /// <summary>vLLM's <c>min_tokens</c>: stop tokens are impossible until this many tokens were generated.</summary>
    public int MinTokens { get; init; }

    /// <summary>
    /// Constrained decoding: only tokens this matcher allows are sampled, and the sequence ends (<see cref="FinishReason.Stop"/>)
    /// when the grammar is complete. The engine owns the matcher from submission on.
    /// </summary>
    public Cluster.Constraints.TokenMatcher? Constraint { get; init; }
}

/// <summary>Why a sequence ended, named as OpenAI's <c>finish_reason</c> where one applies.</summary>
public enum FinishReason
{
    /// <summary>A stop token (end of sequence) was generated.</summary>
    Stop,
    /// <summary><c>max_tokens</c> or the sequence-length limit was reached.</summary>
    Length,
    /// <summary>The caller cancelled.</summary>
    Cancelled,
    /// <summary>The engine failed while running the sequence.</summary>
    Error,
}

/// <summary>
/// One generated token; the last one of a sequence carries its <see cref="FinishReason"/>, the first one
/// <see cref="CachedPromptTokens"/> (prompt tokens found in the prefix cache when the sequence was first admitted).
/// </summary>
public readonly record struct GeneratedToken(int TokenId, FinishReason? Finish, float? Logprob = null, TokenLogprob[]? TopLogprobs = null, int? CachedPromptTokens = null);
