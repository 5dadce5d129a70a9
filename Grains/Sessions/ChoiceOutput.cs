using Cluster.Engine.Tokenization;

namespace Cluster.Grains.Sessions;

/// <summary>
/// Turns one choice's generated tokens into text deltas: incremental detokenization (never a split UTF-8
/// character), then <c>stop</c> strings.
/// </summary>
internal sealed class ChoiceOutput(HfTokenizer tokenizer, IReadOnlyList<string> stop)
{
    private readonly IncrementalDetokenizer _detokenizer = new(tokenizer, skipSpecialTokens: true);
    private readonly StopSequenceFilter _stop = new(stop);

    public int TokenCount { get; private set; }

    public bool Stopped => _stop.Stopped;

    public string Append(int tokenId)
    {
        TokenCount++;
        return _stop.Push(_detokenizer.Append(tokenId));
    }

    public string Flush() => _stop.Push(_detokenizer.Flush()) + _stop.Flush();
}
