using System.Text;

namespace Cluster.Constraints.Tests;

/// <summary>Deterministic vocabularies shaped like real tokenizers, built without any tokenizer files.</summary>
internal static class TestVocabularies
{
    public const string EndOfText = "<|endoftext|>";
    public const string ImEnd = "<|im_end|>";
    public const string ToolCallStart = "<tool_call>";
    public const string ToolCallEnd = "</tool_call>";
    public const string ThinkEnd = "</think>";

    private static readonly Lazy<TokenVocabulary> ByteLevel = new(() => BuildByteLevel(5000, seed: 7));
    private static readonly Lazy<TokenVocabulary> SentencePiece = new(BuildSentencePiece);

    /// <summary>A byte-level BPE-like vocabulary: 256 byte tokens, JSON/English/digit/Unicode pieces (some splitting characters), specials.</summary>
    public static TokenVocabulary ByteLevelBpe => ByteLevel.Value;

    /// <summary>A SentencePiece-like vocabulary with <c>▁</c> pieces and <c>&lt;0xNN&gt;</c> byte fallback.</summary>
    public static TokenVocabulary SentencePieceBpe => SentencePiece.Value;

    private static readonly string[] CommonPieces =
    [
        "{", "}", "[", "]", "\"", ":", ",", "{\"", "\":", "\": ", "\", \"", "\",", "\"}", "\"]", "},", "}]", "}}", "]}", "[{", "[\"",
        "{}", "[]", ", ", ": ", "\n", "\n ", "\n  ", "  ", "    ", " ", "\t", "\r\n", "\\", "\\\"", "\\n", "\\u", "\\u00", "\\\\",
        "name", "\"name", "\"name\"", "arguments", "\"arguments\": ", "get", "_weather", "weather", "city", "\"city\": \"", "unit",
        "celsius", "fahrenheit", "true", "false", "null", "tr", "ue", "fal", "se", "nu", "ll", " the", " a", " and", " of", " to",
        "the", "is", "id", "type", "value", "items", "tags", "user", "email", "@", ".com", "example", "http", "://", "www", "-", "_",
        "T", "Z", ":00", "00", "000", "12", "123", "2024", "2025", "-01", "-12", "-31", "1.", ".5", "e+", "E", "e-", "0.", "-1",
        "é", "ñ", "ü", "中", "文", "中文", "日本", "🙂", "€", "—", "’", "ß", "Ж", "ж",
        "<", ">", "</", "<tool", "_call", ">\n", "tool", "call", "<tool_call", "tool_call>", "think", "</think", "think>",
    ];

    public static TokenVocabulary BuildByteLevel(int size, int seed)
    {
        var tokens = new List<byte[]>();
        var seen = new HashSet<string>();
        void Add(byte[] bytes)
        {
            if (seen.Add(Convert.ToHexString(bytes))) tokens.Add(bytes);
        }
        for (var b = 0; b < 256; b++) Add([(byte)b]);
        foreach (var piece in CommonPieces) Add(Encoding.UTF8.GetBytes(piece));
        for (var n = 0; n < 1000; n++) Add(Encoding.UTF8.GetBytes(n.ToString()));
        // Pieces that split multi-byte characters, as byte-level BPE does for rare characters.
        foreach (var text in new[] { "🙂", "中", "€", "é", "𝄞", "日" })
        {
            var bytes = Encoding.UTF8.GetBytes(text);
            for (var cut = 1; cut < bytes.Length; cut++)
            {
                Add(bytes[..cut]);
                Add(bytes[cut..]);
                Add([.. Encoding.UTF8.GetBytes("a"), .. bytes[..cut]]);
                Add([.. bytes[cut..], .. Encoding.UTF8.GetBytes("\"")]);
            }
        }
        var random = new Random(seed);
        var pieces = tokens.ToArray();
        while (tokens.Count < size)
        {
            var a = pieces[random.Next(256, pieces.Length)];
            var b = tokens[random.Next(tokens.Count)];
            if (a.Length + b.Length <= 16) Add([.. a, .. b]);
        }
        var specials = new Dictionary<string, int>();
        foreach (var special in new[] { EndOfText, ImEnd, ToolCallStart, ToolCallEnd, "<think>", ThinkEnd })
        {
            specials[special] = tokens.Count;
            tokens.Add(Encoding.UTF8.GetBytes(special));
        }
        return new TokenVocabulary(tokens, specials, [specials[EndOfText], specials[ImEnd]]);
    }

    private static TokenVocabulary BuildSentencePiece()
    {
        var pieces = new List<string> { "<unk>", "<s>", "</s>" };
        for (var b = 0; b < 256; b++) pieces.Add($"<0x{b:X2}>");
        foreach (var piece in CommonPieces) pieces.Add(piece.Replace(' ', '\u2581'));
        foreach (var word in new[] { "▁the", "▁name", "▁city", "▁Paris", "▁New", "▁York", "▁true", "▁{", "▁\"", "▁1", "▁2", "▁é" }) pieces.Add(word);
        for (var c = 'a'; c <= 'z'; c++) pieces.Add(c.ToString());
        for (var c = '0'; c <= '9'; c++) pieces.Add(c.ToString());
        var distinct = pieces.Distinct().ToList();
        var bytes = distinct.Select(TokenBytes.FromSentencePiece).ToList();
        // <unk> and <s> decode to nothing in generation; only </s> matters (EOS).
        bytes[0] = [];
        bytes[1] = [];
        bytes[2] = [];
        return new TokenVocabulary(bytes, new Dictionary<string, int> { ["<unk>"] = 0, ["<s>"] = 1, ["</s>"] = 2 }, [2]);
    }

    public static int Id(TokenVocabulary vocabulary, string text)
    {
        var target = Encoding.UTF8.GetBytes(text);
        for (var id = 0; id < vocabulary.Size; id++)
        {
            if (!vocabulary.IsSpecial(id) && vocabulary.GetTokenBytes(id).SequenceEqual(target)) return id;
        }
        throw new ArgumentException($"No token '{text}'.");
    }
}
