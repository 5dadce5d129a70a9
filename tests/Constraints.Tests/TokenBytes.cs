using System.Text;

namespace Cluster.Constraints.Tests;

/// <summary>
/// Turns vocabulary entries written as strings into the raw bytes a <see cref="TokenVocabulary"/> needs, for the test
/// vocabularies. Serving takes each id's bytes from the model's tokenizer (<c>HfTokenizer.TokenBytes</c>) instead.
/// </summary>
internal static class TokenBytes
{
    private static readonly Dictionary<char, byte> ByteLevelDecoding = BuildByteLevelDecoding();

    /// <summary>
    /// A GPT-2-style byte-level BPE piece (Qwen, Llama 3, Mistral Tekken…): every byte is spelled as one printable character
    /// (e.g. <c>Ġ</c> for a space). Characters outside that alphabet (added tokens) are taken as UTF-8 text.
    /// </summary>
    public static byte[] FromByteLevelPiece(string piece)
    {
        var bytes = new List<byte>(piece.Length);
        foreach (var c in piece)
        {
            if (ByteLevelDecoding.TryGetValue(c, out var b)) bytes.Add(b);
            else bytes.AddRange(Encoding.UTF8.GetBytes(c.ToString()));
        }
        return [.. bytes];
    }

    /// <summary>
    /// A SentencePiece piece (Llama 2, Mistral v0.3, Gemma): <c>▁</c> is a space and <c>&lt;0xNN&gt;</c> is the single byte NN
    /// (byte fallback, often half of a multi-byte character); other text is UTF-8.
    /// </summary>
    public static byte[] FromSentencePiece(string piece)
    {
        if (piece.Length == 6 && piece.StartsWith("<0x", StringComparison.Ordinal) && piece[5] == '>'
            && byte.TryParse(piece.AsSpan(3, 2), System.Globalization.NumberStyles.HexNumber, null, out var single))
        {
            return [single];
        }
        return Encoding.UTF8.GetBytes(piece.Replace('\u2581', ' '));
    }

    private static Dictionary<char, byte> BuildByteLevelDecoding()
    {
        // GPT-2's table: printable Latin-1 bytes map to themselves, the other 68 bytes to U+0100 onwards, in byte order.
        var map = new Dictionary<char, byte>();
        var next = 256;
        for (var b = 0; b < 256; b++)
        {
            var printable = b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
            map[(char)(printable ? b : next++)] = (byte)b;
        }
        return map;
    }
}
