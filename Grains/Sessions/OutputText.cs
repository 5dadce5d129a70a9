using Cluster.Engine.Tokenization;

namespace Cluster.Grains.Sessions;

/// <summary>
/// Generated tokens to text for one choice: incremental detokenization (never a split UTF-8 character), then
/// the request's <c>stop</c> strings (held back until they cannot match, never emitted).
/// </summary>
internal sealed class OutputText(HfTokenizer tokenizer, IReadOnlyList<string> stop, bool skipSpecialTokens)
{
    private readonly IncrementalDetokenizer _detokenizer = new(tokenizer, skipSpecialTokens);
    private readonly StopSequenceFilter _stop = new(stop);

    public bool Stopped => _stop.Stopped;

    public string Append(int tokenId) => _stop.Push(_detokenizer.Append(tokenId));

    public string Flush() => _stop.Push(_detokenizer.Flush()) + _stop.Flush();
}
