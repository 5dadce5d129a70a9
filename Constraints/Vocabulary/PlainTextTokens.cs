using System.Text;

namespace Cluster.Constraints.Vocabulary;

/// <summary>
/// The vocabulary split for string bodies (llguidance's "slicer" idea): tokens that are nothing but plain JSON-string characters
/// (complete UTF-8, no <c>"</c>, <c>\</c> or control characters) grouped by character count, and a trie of all other tokens.
/// Where the grammar treats every plain character alike (inside a JSON string) the plain groups are taken whole and only the
/// small remainder trie is walked.
/// </summary>
internal sealed class PlainTextTokens
{
    /// <summary>Plain tokens longer than this many characters go to <see cref="Rest"/> instead.</summary>
    public const int MaxChars = 32;

    private PlainTextTokens(uint[][] upToChars, TokenTrie rest, int plainCount)
    {
        UpToChars = upToChars;
        Rest = rest;
        PlainCount = plainCount;
    }

    /// <summary><c>UpToChars[c]</c>: plain tokens of 1..c characters.</summary>
    public uint[][] UpToChars { get; }

    /// <summary>Every text token that is not in a plain group.</summary>
    public TokenTrie Rest { get; }

    public int PlainCount { get; }

    public static PlainTextTokens Build(IReadOnlyList<byte[]> tokens, Func<int, bool> include, TokenTrie trie, int maskWords)
    {
        var byCount = new uint[MaxChars + 1][];
        for (var c = 0; c <= MaxChars; c++) byCount[c] = new uint[maskWords];
        var plain = new bool[tokens.Count];
        var plainCount = 0;
        for (var id = 0; id < tokens.Count; id++)
        {
            if (tokens[id].Length == 0 || !include(id)) continue;
            var chars = PlainCharacterCount(tokens[id]);
            if (chars is < 1 or > MaxChars) continue;
            plain[id] = true;
            plainCount++;
            byCount[chars][id >> 5] |= 1u << (id & 31);
        }
        for (var c = 1; c <= MaxChars; c++)
        {
            for (var w = 0; w < maskWords; w++) byCount[c][w] |= byCount[c - 1][w];
        }
        return new PlainTextTokens(byCount, trie.Filter(id => !plain[id]), plainCount);
    }

    /// <summary>Characters in <paramref name="bytes"/> when all are plain string characters, else -1.</summary>
    private static int PlainCharacterCount(ReadOnlySpan<byte> bytes)
    {
        var count = 0;
        while (!bytes.IsEmpty)
        {
            if (Rune.DecodeFromUtf8(bytes, out var rune, out var consumed) != System.Buffers.OperationStatus.Done) return -1;
            if (rune.Value < 0x20 || rune.Value == '"' || rune.Value == '\\') return -1;
            bytes = bytes[consumed..];
            count++;
        }
        return count;
    }
}
