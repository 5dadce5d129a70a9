using System.Text;
using Cluster.Contracts.Generation;
using Cluster.Contracts.OpenAI;
using Cluster.Engine.Tokenization;

namespace Cluster.Grains.Sessions;

/// <summary>Collects the legacy completions logprobs (parallel arrays) as tokens arrive, handing them out per chunk.</summary>
internal sealed class CompletionLogprobsBuilder(HfTokenizer tokenizer)
{
    private readonly List<string> _tokens = [];
    private readonly List<float> _logprobs = [];
    private readonly List<Dictionary<string, float>> _top = [];
    private int _taken;

    public void Add(GeneratedTokenEvent token)
    {
        _tokens.Add(Text(token.TokenId));
        _logprobs.Add(token.Logprob ?? 0f);
        var top = new Dictionary<string, float>();
        foreach (var t in token.TopLogprobs ?? []) top.TryAdd(Text(t.TokenId), t.Logprob);
        _top.Add(top);
    }

    /// <summary>The entries not handed out yet; <paramref name="textOffset"/> is where this chunk's text starts.</summary>
    public CompletionLogprobs Take(int textOffset)
    {
        int from = _taken;
        _taken = _tokens.Count;
        var offsets = new int[_taken - from];
        int offset = textOffset;
        for (int i = 0; i < offsets.Length; i++)
        {
            offsets[i] = offset;
            offset += _tokens[from + i].Length;
        }
        return new CompletionLogprobs(_tokens[from.._taken].ToArray(), _logprobs[from.._taken].ToArray(), _top[from.._taken].ToArray(), offsets);
    }

    public static CompletionLogprobs Concat(IReadOnlyList<CompletionLogprobs> parts) => new(
        parts.SelectMany(p => p.Tokens).ToArray(),
        parts.SelectMany(p => p.TokenLogprobs).ToArray(),
        parts.SelectMany(p => p.TopLogprobs).ToArray(),
        parts.SelectMany(p => p.TextOffset).ToArray());

    private string Text(int id) => Encoding.UTF8.GetString(tokenizer.TokenBytes(id));
}
