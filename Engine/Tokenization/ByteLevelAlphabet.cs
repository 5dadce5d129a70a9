namespace Cluster.Engine.Tokenization;

/// <summary>
/// GPT-2's reversible byte-to-character map used by byte-level BPE vocabularies (GPT-2, Qwen, Llama 3): printable
/// bytes stand for themselves and the other 68 bytes (controls, space, 0x7F-0xA0, 0xAD) are shifted to U+0100 onwards,
/// so that every byte sequence is a string of visible characters (a space becomes <c>Ġ</c>, a newline <c>Ċ</c>).
/// </summary>
public static class ByteLevelAlphabet
{
    private static readonly char[] CharByByte = BuildCharByByte();
    private static readonly Dictionary<char, byte> ByteByChar = BuildByteByChar();

    /// <summary>The character standing for <paramref name="value"/>.</summary>
    public static char ToChar(byte value) => CharByByte[value];

    /// <summary>The byte a vocabulary character stands for; false for characters outside the alphabet.</summary>
    public static bool TryToByte(char c, out byte value) => ByteByChar.TryGetValue(c, out value);

    /// <summary>Spells bytes in the alphabet (the form byte-level vocabularies store tokens in).</summary>
    public static string Encode(ReadOnlySpan<byte> bytes)
    {
        const int StackLimit = 512;
        Span<char> chars = bytes.Length <= StackLimit ? stackalloc char[bytes.Length] : new char[bytes.Length];
        for (var i = 0; i < bytes.Length; i++)
        {
            chars[i] = CharByByte[bytes[i]];
        }
        return new string(chars);
    }

    /// <summary>
    /// The bytes a vocabulary string stands for, written to <paramref name="destination"/>; false (nothing promised about
    /// <paramref name="destination"/>) when a character is outside the alphabet.
    /// </summary>
    public static bool TryDecode(ReadOnlySpan<char> token, List<byte> destination)
    {
        foreach (var c in token)
        {
            if (!ByteByChar.TryGetValue(c, out var b))
            {
                return false;
            }
            destination.Add(b);
        }
        return true;
    }

    private static char[] BuildCharByByte()
    {
        var map = new char[256];
        var shifted = 0;
        for (var b = 0; b < 256; b++)
        {
            var printable = b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
            map[b] = printable ? (char)b : (char)(256 + shifted++);
        }
        return map;
    }

    private static Dictionary<char, byte> BuildByteByChar()
    {
        var inverse = new Dictionary<char, byte>(256);
        for (var b = 0; b < 256; b++)
        {
            inverse[CharByByte[b]] = (byte)b;
        }
        return inverse;
    }
}
