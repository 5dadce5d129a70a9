using System.Text;

namespace Cluster.Engine.Tokenization;

/// <summary>
/// Turns a stream of generated token ids into text deltas. A character whose UTF-8 bytes are split across tokens
/// (common for CJK and emoji with byte-level and byte-fallback vocabularies) is held back until complete, so the
/// stream never shows U+FFFD for valid text, and the concatenated deltas equal <see cref="HfTokenizer.Decode"/> of all ids.
/// One instance per sequence; not thread-safe.
/// </summary>
public sealed class IncrementalDetokenizer
{
    private readonly HfTokenizer _tokenizer;
    private readonly bool _skipSpecialTokens;
    // A stateful UTF-8 decoder keeps an incomplete trailing sequence between calls and replaces maximal invalid
    // subsequences exactly as one-shot decoding would, so deltas and a full Decode agree byte for byte.
    private readonly Decoder _utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false).GetDecoder();
    private char[] _chars = new char[64];
    private int _leadingSpacesToStrip;

    /// <summary>Starts a stream.</summary>
    /// <param name="tokenizer">The model's tokenizer.</param>
    /// <param name="skipSpecialTokens">Leave out added tokens marked special (as OpenAI-style APIs do).</param>
    public IncrementalDetokenizer(HfTokenizer tokenizer, bool skipSpecialTokens = true)
    {
        _tokenizer = tokenizer ?? throw new ArgumentNullException(nameof(tokenizer));
        _skipSpecialTokens = skipSpecialTokens;
        _leadingSpacesToStrip = tokenizer.DecoderStripsLeadingSpaces;
    }

    /// <summary>Adds one token; returns the text that is complete now (often empty mid-character, never null).</summary>
    public string Append(int tokenId)
    {
        if (_skipSpecialTokens && _tokenizer.IsSpecial(tokenId))
        {
            return string.Empty;
        }
        return DecodeBytes(_tokenizer.TokenBytes(tokenId), flush: false);
    }

    /// <summary>Ends the stream: bytes still held back (an incomplete final character) come out as U+FFFD.</summary>
    public string Flush() => DecodeBytes([], flush: true);

    private string DecodeBytes(ReadOnlySpan<byte> bytes, bool flush)
    {
        // Each byte yields at most one char, plus up to three held-back bytes turning into replacement chars.
        var capacity = bytes.Length + 4;
        if (_chars.Length < capacity)
        {
            _chars = new char[Math.Max(capacity, _chars.Length * 2)];
        }
        var count = _utf8.GetChars(bytes, _chars, flush);
        var start = 0;
        while (_leadingSpacesToStrip > 0 && start < count)
        {
            if (_chars[start] == ' ')
            {
                start++;
                _leadingSpacesToStrip--;
            }
            else
            {
                _leadingSpacesToStrip = 0;
            }
        }
        return count == start ? string.Empty : new string(_chars, start, count - start);
    }
}
