using System.Buffers;

namespace Cluster.Engine.Tokenization;

/// <summary>
/// Finds added tokens (<c>&lt;|im_start|&gt;</c>, <c>[INST]</c>, ...) in text, preferring the longest at each position,
/// as Hugging Face's added-vocabulary split does.
/// </summary>
internal sealed class AddedTokenMatcher
{
    private readonly SearchValues<char> _firstChars;
    private readonly Dictionary<char, AddedToken[]> _byFirstChar;

    public AddedTokenMatcher(IEnumerable<AddedToken> tokens)
    {
        _byFirstChar = tokens
            .Where(t => t.Content.Length > 0)
            .GroupBy(t => t.Content[0])
            .ToDictionary(g => g.Key, g => g.OrderByDescending(t => t.Content.Length).ThenBy(t => t.Id).ToArray());
        _firstChars = SearchValues.Create(_byFirstChar.Keys.ToArray());
    }

    /// <summary>The first added token at or after <paramref name="start"/>; false when there is none.</summary>
    public bool TryFindNext(ReadOnlySpan<char> text, int start, out int index, out AddedToken token)
    {
        while (start < text.Length)
        {
            var offset = text[start..].IndexOfAny(_firstChars);
            if (offset < 0)
            {
                break;
            }
            index = start + offset;
            foreach (var candidate in _byFirstChar[text[index]])
            {
                if (text[index..].StartsWith(candidate.Content, StringComparison.Ordinal))
                {
                    token = candidate;
                    return true;
                }
            }
            start = index + 1;
        }
        index = -1;
        token = null!;
        return false;
    }
}
