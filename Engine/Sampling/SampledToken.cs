namespace Cluster.Engine.Sampling;

/// <summary>A chosen token, with its log-probability under the model and the top alternatives when asked for.</summary>
public readonly record struct SampledToken(int TokenId, float? Logprob, TokenLogprob[]? TopLogprobs);

/// <summary>A token id and its log-probability.</summary>
public readonly record struct TokenLogprob(int TokenId, float Logprob);

/// <summary>What the sampler needs to know of one row: its settings, its noise, and its history.</summary>
public sealed record SamplingRow(
    SamplingParameters Parameters,
    TorchSharp.torch.Generator Generator,
    IReadOnlyList<int> Tokens,
    int PromptLength,
    IReadOnlyCollection<int>? BannedTokens = null,
    Cluster.Constraints.TokenMatcher? Constraint = null);
