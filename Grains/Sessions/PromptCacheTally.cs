using Cluster.Contracts.Generation;
using Cluster.Contracts.OpenAI;

namespace Cluster.Grains.Sessions;

/// <summary>
/// A request's usage, with OpenAI's <c>prompt_tokens_details.cached_tokens</c>: the prompt tokens the replicas' prefix
/// caches held. The rule: each distinct prompt counts once, by the sequence of its first choice — the prompt is
/// shared by its <c>n</c> choices, and their later sequences mostly hit what the first one cached, which is not a
/// saving the client's prompt earned (vLLM reports chat the same way). So chat reports choice 0's sequence, and a
/// completions batch the sum over its prompts. Always present, 0 when nothing was cached, so that streamed and
/// non-streamed usage have one shape.
/// </summary>
internal sealed class PromptCacheTally(int prompts)
{
    // One slot per prompt, written only by that prompt's first sequence: no two sequences share one.
    private readonly int?[] _cached = new int?[prompts];

    /// <summary>Notes a token of choice <paramref name="choice"/> (0-based within its prompt) of prompt <paramref name="prompt"/>.</summary>
    public void Observe(int prompt, int choice, GeneratedTokenEvent token)
    {
        // The first event of a sequence carries the count; the first value seen is kept, whatever follows.
        if (choice == 0 && _cached[prompt] is null && token.CachedPromptTokens is int cached) _cached[prompt] = cached;
    }

    public int CachedTokens => _cached.Sum(c => c ?? 0);

    public CompletionUsage Usage(int promptTokens, int completionTokens) =>
        new(promptTokens, completionTokens, promptTokens + completionTokens) { PromptTokensDetails = new PromptTokensDetails(CachedTokens) };
}
