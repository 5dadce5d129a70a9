namespace Cluster.Engine.Sampling;

/// <summary>
/// Per-sequence sampling settings, named as OpenAI and vLLM name the request fields.
/// A temperature of 0 means greedy decoding (penalties and biases still apply).
/// </summary>
public sealed record SamplingParameters
{
    public static SamplingParameters Greedy { get; } = new() { Temperature = 0 };

    public float Temperature { get; init; } = 1f;

    /// <summary>Nucleus mass in (0, 1]; 1 disables it.</summary>
    public float TopP { get; init; } = 1f;

    /// <summary>Keep the k most likely tokens; 0 or less disables it.</summary>
    public int TopK { get; init; }

    /// <summary>Drop tokens whose probability is below this fraction of the most likely one; 0 disables it.</summary>
    public float MinP { get; init; }

    /// <summary>OpenAI's: subtracted once from the logit of every token that already appeared in the output.</summary>
    public float PresencePenalty { get; init; }

    /// <summary>OpenAI's: subtracted from a token's logit once per appearance in the output.</summary>
    public float FrequencyPenalty { get; init; }

    /// <summary>vLLM/HF's: logits of tokens seen in prompt or output are divided (if positive) or multiplied by it; 1 disables it.</summary>
    public float RepetitionPenalty { get; init; } = 1f;

    /// <summary>OpenAI's <c>logit_bias</c>: added to the logits of these token ids.</summary>
    public IReadOnlyDictionary<int, float>? LogitBias { get; init; }

    /// <summary>Same seed, same prompt, same settings → same output, whatever else shares the batch.</summary>
    public ulong? Seed { get; init; }

    /// <summary>Null: no log-probabilities. Otherwise the sampled token's and this many top alternatives (0–20).</summary>
    public int? Logprobs { get; init; }

    internal bool HasOutputPenalties => PresencePenalty != 0 || FrequencyPenalty != 0;

    internal bool HasRepetitionPenalty => RepetitionPenalty != 1f;
}
