using Cluster.Constraints.Vocabulary;
using System.Collections.Frozen;

namespace Cluster.Constraints;

/// <summary>
/// A tokenizer's vocabulary as the constraint engine sees it: the raw bytes each token decodes to (index = token id),
/// the special tokens (matched by id only, never by text) and the end-of-sequence ids. Build one per tokenizer and share it:
/// it holds the token trie every mask walks, and compiled grammars are cached per vocabulary.
/// </summary>
public sealed class TokenVocabulary
{
    private readonly FrozenDictionary<string, int> _specialByText;
    private readonly bool[] _isSpecial;

    /// <param name="tokenBytes">Bytes each token id decodes to (byte-level BPE already mapped back to bytes; SentencePiece
    /// <c>▁</c> as a space and <c>&lt;0xNN&gt;</c> as that byte; a tokenizer provides them). A token may be a partial UTF-8 character.</param>
    /// <param name="specialTokens">Special tokens by text (e.g. <c>&lt;tool_call&gt;</c> → id). They never match text.</param>
    /// <param name="eosTokenIds">Ids that end generation; allowed exactly when the grammar accepts.</param>
    public TokenVocabulary(IReadOnlyList<byte[]> tokenBytes, IReadOnlyDictionary<string, int> specialTokens, IEnumerable<int> eosTokenIds)
    {
        ArgumentNullException.ThrowIfNull(tokenBytes);
        Size = tokenBytes.Count;
        _specialByText = specialTokens.ToFrozenDictionary();
        _isSpecial = new bool[Size];
        foreach (var id in specialTokens.Values)
        {
            if ((uint)id >= (uint)Size) throw new ArgumentOutOfRangeException(nameof(specialTokens), $"Special token id {id} is outside the vocabulary.");
            _isSpecial[id] = true;
        }
        EosTokenIds = [.. eosTokenIds.Distinct().Order()];
        foreach (var id in EosTokenIds)
        {
            if ((uint)id >= (uint)Size) throw new ArgumentOutOfRangeException(nameof(eosTokenIds), $"EOS id {id} is outside the vocabulary.");
        }
        // Specials and EOS ids are matched by id; keeping them out of the trie is what stops text from matching them.
        var eos = EosTokenIds.ToHashSet();
        bool IsText(int id) => !_isSpecial[id] && !eos.Contains(id);
        Trie = TokenTrie.Build(tokenBytes, IsText);
        _tokenBytes = [.. tokenBytes];
        PlainText = PlainTextTokens.Build(tokenBytes, IsText, Trie, MaskWords);
        ByteRuns = new ByteRunTokens.Cache(_tokenBytes, IsText, Trie, MaskWords);
        Fingerprint = ComputeFingerprint(tokenBytes, specialTokens, EosTokenIds);
    }

    private readonly byte[][] _tokenBytes;

    /// <summary>Number of token ids (the mask covers ids 0..Size-1).</summary>
    public int Size { get; }

    /// <summary>Number of 32-bit words in a token bitmask: ceil(Size / 32).</summary>
    public int MaskWords => (Size + 31) >> 5;

    /// <summary>End-of-sequence token ids, ascending.</summary>
    public IReadOnlyList<int> EosTokenIds { get; }

    /// <summary>Special tokens by text.</summary>
    public IReadOnlyDictionary<string, int> SpecialTokens => _specialByText;

    /// <summary>A 64-bit content hash (token bytes, specials, EOS ids): equal vocabularies have equal fingerprints.</summary>
    public ulong Fingerprint { get; }

    internal TokenTrie Trie { get; }

    internal PlainTextTokens PlainText { get; }

    internal ByteRunTokens.Cache ByteRuns { get; }

    /// <summary>Whether <paramref name="tokenId"/> is a special token.</summary>
    public bool IsSpecial(int tokenId) => (uint)tokenId < (uint)Size && _isSpecial[tokenId];

    /// <summary>Whether <paramref name="tokenId"/> ends generation.</summary>
    public bool IsEos(int tokenId)
    {
        foreach (var id in EosTokenIds)
        {
            if (id == tokenId) return true;
        }
        return false;
    }

    /// <summary>The bytes token <paramref name="tokenId"/> decodes to.</summary>
    public ReadOnlySpan<byte> GetTokenBytes(int tokenId) => _tokenBytes[tokenId];

    /// <summary>Looks up a special token by its text.</summary>
    public bool TryGetSpecialToken(string text, out int tokenId) => _specialByText.TryGetValue(text, out tokenId);

    private static ulong ComputeFingerprint(IReadOnlyList<byte[]> tokenBytes, IReadOnlyDictionary<string, int> specials, IReadOnlyList<int> eos)
    {
        // FNV-1a over a length-prefixed serialization: stable across processes, unlike string.GetHashCode.
        var hash = 14695981039346656037UL;
        void Add(int value)
        {
            for (var i = 0; i < 4; i++) hash = (hash ^ (byte)(value >> (8 * i))) * 1099511628211UL;
        }
        foreach (var bytes in tokenBytes)
        {
            Add(bytes.Length);
            foreach (var b in bytes) hash = (hash ^ b) * 1099511628211UL;
        }
        foreach (var (text, id) in specials.OrderBy(p => p.Value))
        {
            Add(id);
            foreach (var c in text) Add(c);
        }
        foreach (var id in eos) Add(-1 - id);
        return hash;
    }
}
