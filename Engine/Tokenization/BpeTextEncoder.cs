using System.Collections.Concurrent;
using System.Text;
using Microsoft.ML.Tokenizers;

namespace Cluster.Engine.Tokenization;

/// <summary>
/// Turns text without added tokens into BPE ids the way a Hugging Face tokenizer.json pipeline does: normalize (NFC),
/// pre-tokenize (split patterns, or SentencePiece's ▁ handling), then merge each piece with Microsoft.ML.Tokenizers'
/// BPE, plus what that BPE lacks: Llama 3's <c>ignore_merges</c> and SentencePiece byte fallback. Thread-safe.
/// </summary>
internal sealed class BpeTextEncoder
{
    private const int PieceCacheCapacity = 50_000;

    private readonly TokenizerJson _definition;
    private readonly BpeTokenizer _bpe;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _vocabularyLookup;
    private readonly int[] _byteFallbackIds;
    // Pre-tokenized pieces repeat heavily in real text; caching their ids skips the BPE call (about 4x faster
    // encoding of prose and code). Bounded so that adversarial input cannot grow it without limit.
    private readonly ConcurrentDictionary<string, int[]> _pieceCache = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int[]>.AlternateLookup<ReadOnlySpan<char>> _pieceCacheLookup;

    public BpeTextEncoder(TokenizerJson definition)
    {
        _definition = definition;
        _vocabularyLookup = definition.Vocabulary.GetAlternateLookup<ReadOnlySpan<char>>();
        _pieceCacheLookup = _pieceCache.GetAlternateLookup<ReadOnlySpan<char>>();
        _byteFallbackIds = new int[256];
        for (var b = 0; b < 256; b++)
        {
            _byteFallbackIds[b] = definition.Vocabulary.TryGetValue($"<0x{b:X2}>", out var id) ? id : -1;
        }
        _bpe = BpeTokenizer.Create(new BpeOptions(definition.Vocabulary)
        {
            // ML.Tokenizers takes "left right" strings; a pair holding a space cannot be expressed, and neither
            // byte-level nor SentencePiece vocabularies have one (their spaces are Ġ / ▁).
            Merges = definition.Merges.Where(m => !m.Left.Contains(' ') && !m.Right.Contains(' ')).Select(m => $"{m.Left} {m.Right}"),
            ByteLevel = definition.Style == BpeVocabularyStyle.ByteLevel,
            UnknownToken = definition.UnknownToken,
        });
    }

    /// <summary>Encodes text that holds no added tokens (they were split off before).</summary>
    public void EncodeSegment(string segment, bool isFirstSegment, List<int> ids)
    {
        if (segment.Length == 0)
        {
            return;
        }
        // As Hugging Face's tokenizers see text: UTF-8, where an unpaired surrogate can only be U+FFFD.
        segment = CodePointRegex.ReplaceUnpairedSurrogates(segment);
        if (_definition.NormalizeNfc && !segment.IsNormalized(NormalizationForm.FormC))
        {
            segment = segment.Normalize(NormalizationForm.FormC);
        }
        if (_definition.Style == BpeVocabularyStyle.SentencePiece)
        {
            EncodeSentencePieceSegment(segment, isFirstSegment, ids);
            return;
        }
        if (_definition.AddPrefixSpace && !char.IsWhiteSpace(segment[0]))
        {
            segment = " " + segment;
        }
        Split(segment, CodePointRegex.CategoryText(segment), 0, segment.Length, 0, ids);
    }

    /// <summary>Applies split pattern <paramref name="level"/> to a range: matches and the gaps between them become pieces.</summary>
    /// <param name="categoryText"><see cref="CodePointRegex.CategoryText"/> of the text, which patterns match on.</param>
    private void Split(string text, string categoryText, int start, int end, int level, List<int> ids)
    {
        var patterns = _definition.SplitPatterns;
        if (level == patterns.Count)
        {
            EncodeByteLevelPiece(text.AsSpan(start, end - start), ids);
            return;
        }
        var pattern = patterns[level];
        var matched = pattern.MatchesCategoryText ? categoryText : text;
        var position = start;
        foreach (var match in pattern.Regex.EnumerateMatches(matched.AsSpan(start, end - start)))
        {
            var matchStart = start + match.Index;
            if (matchStart > position)
            {
                Split(text, categoryText, position, matchStart, level + 1, ids);
            }
            if (match.Length > 0)
            {
                Split(text, categoryText, matchStart, matchStart + match.Length, level + 1, ids);
            }
            position = matchStart + match.Length;
        }
        if (position < end)
        {
            Split(text, categoryText, position, end, level + 1, ids);
        }
    }

    private void EncodeByteLevelPiece(ReadOnlySpan<char> piece, List<int> ids)
    {
        if (_pieceCacheLookup.TryGetValue(piece, out var cached))
        {
            ids.AddRange(cached);
            return;
        }
        int[] pieceIds = _definition.IgnoreMerges && TryLookupWholePiece(piece, out var wholeId)
            ? [wholeId]
            : [.. _bpe.EncodeToIds(piece, considerPreTokenization: false, considerNormalization: false)];
        if (_pieceCache.Count < PieceCacheCapacity)
        {
            _pieceCacheLookup.TryAdd(piece, pieceIds);
        }
        ids.AddRange(pieceIds);
    }

    private bool TryLookupWholePiece(ReadOnlySpan<char> piece, out int id)
    {
        const int StackLimit = 256;
        var byteCount = Encoding.UTF8.GetByteCount(piece);
        if (byteCount > StackLimit)
        {
            id = -1;
            return false;
        }
        Span<byte> bytes = stackalloc byte[byteCount];
        Encoding.UTF8.GetBytes(piece, bytes);
        Span<char> spelled = stackalloc char[byteCount];
        for (var i = 0; i < byteCount; i++)
        {
            spelled[i] = ByteLevelAlphabet.ToChar(bytes[i]);
        }
        return _vocabularyLookup.TryGetValue(spelled, out id);
    }

    private void EncodeSentencePieceSegment(string segment, bool isFirstSegment, List<int> ids)
    {
        var prefix = _definition.PrefixScheme == SpacePrefixScheme.EverySegment
            || (_definition.PrefixScheme == SpacePrefixScheme.FirstSegment && isFirstSegment);
        var builder = new StringBuilder(segment.Length + 1);
        if (prefix)
        {
            builder.Append(TokenizerJson.SentencePieceSpace);
        }
        builder.Append(segment);
        if (_definition.ReplaceSpaces)
        {
            builder.Replace(' ', TokenizerJson.SentencePieceSpace);
        }
        var text = builder.ToString();
        if (!_definition.SplitOnSpaceMarker)
        {
            EncodeSentencePiecePiece(text, ids);
            return;
        }
        var start = 0;
        for (var i = 1; i <= text.Length; i++)
        {
            if (i == text.Length || text[i] == TokenizerJson.SentencePieceSpace)
            {
                EncodeSentencePiecePiece(text.AsSpan(start, i - start), ids);
                start = i;
            }
        }
    }

    /// <summary>
    /// BPE over runs of characters the vocabulary knows; a character it lacks becomes its UTF-8 bytes as
    /// <c>&lt;0xNN&gt;</c> tokens (byte fallback), which never merge, so splitting the runs there changes nothing.
    /// </summary>
    private void EncodeSentencePiecePiece(ReadOnlySpan<char> piece, List<int> ids)
    {
        var runStart = 0;
        var i = 0;
        while (i < piece.Length)
        {
            var width = char.IsHighSurrogate(piece[i]) && i + 1 < piece.Length && char.IsLowSurrogate(piece[i + 1]) ? 2 : 1;
            var character = piece.Slice(i, width);
            if (!_vocabularyLookup.ContainsKey(character))
            {
                if (i > runStart)
                {
                    ids.AddRange(_bpe.EncodeToIds(piece[runStart..i], considerPreTokenization: false, considerNormalization: false));
                }
                AppendUnknownCharacter(character, ids);
                runStart = i + width;
            }
            i += width;
        }
        if (piece.Length > runStart)
        {
            ids.AddRange(_bpe.EncodeToIds(piece[runStart..], considerPreTokenization: false, considerNormalization: false));
        }
    }

    private void AppendUnknownCharacter(ReadOnlySpan<char> character, List<int> ids)
    {
        Span<byte> utf8 = stackalloc byte[8];
        var count = Encoding.UTF8.GetBytes(character, utf8);
        if (_definition.ByteFallback && !HasMissingByteToken(utf8[..count]))
        {
            foreach (var b in utf8[..count])
            {
                ids.Add(_byteFallbackIds[b]);
            }
            return;
        }
        if (_definition.UnknownToken is { } unknown && _definition.Vocabulary.TryGetValue(unknown, out var unknownId))
        {
            ids.Add(unknownId);
            return;
        }
        throw new InvalidOperationException($"Character U+{char.ConvertToUtf32(character.ToString(), 0):X4} is not in the vocabulary and the tokenizer has neither byte fallback nor an unknown token.");
    }

    private bool HasMissingByteToken(ReadOnlySpan<byte> bytes)
    {
        foreach (var b in bytes)
        {
            if (_byteFallbackIds[b] < 0)
            {
                return true;
            }
        }
        return false;
    }
}
