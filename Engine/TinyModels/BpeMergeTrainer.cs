using System.Text;
using System.Text.RegularExpressions;
using Cluster.Engine.Tokenization;

namespace Cluster.Engine.TinyModels;

/// <summary>
/// Learns a byte-level BPE vocabulary from a corpus: starts from the 256 byte tokens and repeatedly merges the most
/// frequent adjacent pair inside pre-tokenized words. Ties break on the pair's spelling, so the result depends only
/// on the corpus and the merge count.
/// </summary>
internal static class BpeMergeTrainer
{
    /// <summary>The learned vocabulary (id order: 256 bytes, then one token per merge) and merges in rank order.</summary>
    public sealed record Result(IReadOnlyList<string> Tokens, IReadOnlyList<(string Left, string Right)> Merges);

    public static Result Train(string corpus, Regex preTokenizer, int maxMerges, int minPairCount = 2)
    {
        var tokens = new List<string>(256 + maxMerges);
        for (var b = 0; b < 256; b++)
        {
            tokens.Add(ByteLevelAlphabet.ToChar((byte)b).ToString());
        }

        var frequencies = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var match in preTokenizer.EnumerateMatches(corpus))
        {
            var word = corpus.Substring(match.Index, match.Length);
            frequencies[word] = frequencies.GetValueOrDefault(word) + 1;
        }
        var words = frequencies
            .OrderBy(pair => pair.Key, StringComparer.Ordinal)
            .Select(pair => (Symbols: Encoding.UTF8.GetBytes(pair.Key).Select(b => (int)b).ToList(), Count: pair.Value))
            .ToList();

        var merges = new List<(string, string)>(maxMerges);
        var pairCounts = new Dictionary<(int, int), long>();
        while (merges.Count < maxMerges)
        {
            pairCounts.Clear();
            foreach (var (symbols, count) in words)
            {
                for (var i = 0; i + 1 < symbols.Count; i++)
                {
                    var pair = (symbols[i], symbols[i + 1]);
                    pairCounts[pair] = pairCounts.GetValueOrDefault(pair) + count;
                }
            }

            (int Left, int Right) best = (-1, -1);
            long bestCount = 0;
            foreach (var (pair, count) in pairCounts)
            {
                if (count > bestCount || (count == bestCount && ComparePairs(tokens, pair, best) < 0))
                {
                    best = pair;
                    bestCount = count;
                }
            }
            if (bestCount < minPairCount)
            {
                break;
            }

            var merged = tokens.Count;
            tokens.Add(tokens[best.Left] + tokens[best.Right]);
            merges.Add((tokens[best.Left], tokens[best.Right]));
            foreach (var (symbols, _) in words)
            {
                for (var i = 0; i + 1 < symbols.Count; i++)
                {
                    if (symbols[i] == best.Left && symbols[i + 1] == best.Right)
                    {
                        symbols[i] = merged;
                        symbols.RemoveAt(i + 1);
                    }
                }
            }
        }
        return new Result(tokens, merges);
    }

    private static int ComparePairs(List<string> tokens, (int Left, int Right) a, (int Left, int Right) b)
    {
        if (b.Left < 0)
        {
            return -1;
        }
        var left = string.CompareOrdinal(tokens[a.Left], tokens[b.Left]);
        return left != 0 ? left : string.CompareOrdinal(tokens[a.Right], tokens[b.Right]);
    }
}
