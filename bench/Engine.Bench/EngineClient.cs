using Cluster.Engine.Sampling;
using Cluster.Engine.Scheduling;

namespace Cluster.Engine.Bench;

/// <summary>Sends greedy requests straight to an <see cref="InferenceEngine"/>: the engine loop with no stack above it.</summary>
internal sealed class EngineClient(InferenceEngine engine, IReadOnlyList<int> promptTokenIds, int maxTokens)
{
    // No stop tokens: every request generates exactly maxTokens, like ignore_eos over HTTP.
    private readonly GenerationRequest _request = new(promptTokenIds, SamplingParameters.Greedy, maxTokens);

    public async Task SendAsync(RequestTiming timing, CancellationToken cancellationToken)
    {
        timing.PromptTokens = _request.PromptTokenIds.Count;
        timing.Start();
        int tokens = 0;
        await foreach (var _ in engine.GenerateAsync(_request, cancellationToken).ConfigureAwait(false))
        {
            timing.Arrived();
            tokens++;
        }
        timing.Tokens = tokens;
    }

    /// <summary>A prompt of exactly <paramref name="count"/> tokens, cut from ordinary text.</summary>
    public static int[] PromptOfLength(Tokenization.HfTokenizer tokenizer, int count)
    {
        var ids = new List<int>();
        while (ids.Count < count)
            ids.AddRange(tokenizer.Encode("The quick brown fox jumps over the lazy dog while the cluster serves tokens. ", allowSpecialTokens: false));
        return ids.Take(count).ToArray();
    }
}
