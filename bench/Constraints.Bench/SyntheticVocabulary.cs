using System.Text;

namespace Cluster.Constraints.Bench;

/// <summary>
/// A deterministic byte-level vocabulary of a given size shaped like Qwen/Llama-3 vocabularies: all 256 bytes, English words
/// with and without a leading space, JSON punctuation runs, digit runs, whitespace runs, code fragments, CJK and accented
/// text, emoji and pieces that split multi-byte characters; plus the usual special tokens.
/// </summary>
internal static class SyntheticVocabulary
{
    private static readonly string[] Syllables =
    [
        "a", "e", "i", "o", "u", "th", "he", "in", "er", "an", "re", "on", "at", "en", "nd", "ti", "es", "or", "te", "of", "ed",
        "is", "it", "al", "ar", "st", "to", "nt", "ng", "se", "ha", "as", "ou", "io", "le", "ve", "co", "me", "de", "hi", "ri",
        "ro", "ic", "ne", "ea", "ra", "ce", "li", "ch", "ll", "be", "ma", "si", "om", "ur", "ca", "el", "ta", "la", "ns", "ge",
        "ly", "ei", "os", "no", "pe", "do", "su", "pa", "ec", "ac", "ot", "di", "ol", "tr", "sh", "wh", "qu", "ck", "ph", "x", "z",
    ];

    private static readonly string[] Punctuation =
    [
        "{", "}", "[", "]", "\"", ":", ",", ".", "(", ")", ";", "_", "-", "/", "\\", "'", "`", "<", ">", "=", "+", "*", "&", "#",
        "{\"", "\":", "\": ", "\",", "\", \"", "\"}", "\"]", "},", "}]", "}}", "]}", "[{", "[\"", "\\n", "\\\"", "://", "();", "=>",
    ];

    public static TokenVocabulary Build(int size, int seed = 42)
    {
        var random = new Random(seed);
        var tokens = new List<byte[]>(size);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        void Add(byte[] bytes)
        {
            if (bytes.Length > 0 && seen.Add(Convert.ToBase64String(bytes))) tokens.Add(bytes);
        }
        void AddText(string text) => Add(Encoding.UTF8.GetBytes(text));

        for (var b = 0; b < 256; b++) Add([(byte)b]);
        foreach (var p in Punctuation) AddText(p);
        for (var n = 0; n < 1000; n++) AddText(n.ToString());
        for (var w = 1; w <= 16; w++)
        {
            AddText(new string(' ', w));
            AddText("\n" + new string(' ', w));
            AddText(new string('\n', Math.Min(w, 4)));
        }
        var cjk = Enumerable.Range(0, 6000).Select(i => char.ConvertFromUtf32(0x4E00 + i * 3)).ToArray();
        var accented = "àáâãäåæçèéêëìíîïñòóôõöøùúûüýÿßœšžłőűğışęąćńżźčřůďťľĺŕ".Select(c => c.ToString()).ToArray();
        var emoji = Enumerable.Range(0, 400).Select(i => char.ConvertFromUtf32(0x1F300 + i)).ToArray();
        var cyrillic = Enumerable.Range(0, 64).Select(i => char.ConvertFromUtf32(0x0410 + i)).ToArray();

        while (tokens.Count < size)
        {
            var kind = random.Next(100);
            string text;
            if (kind < 62)
            {
                // English-like word pieces, mostly with a leading space, sometimes capitalized.
                var word = new StringBuilder();
                var syllables = 1 + random.Next(4);
                for (var s = 0; s < syllables; s++) word.Append(Syllables[random.Next(Syllables.Length)]);
                if (random.Next(5) == 0) word[0] = char.ToUpperInvariant(word[0]);
                text = (random.Next(100) < 65 ? " " : "") + word;
            }
            else if (kind < 72)
            {
                text = cjk[random.Next(cjk.Length)] + (random.Next(2) == 0 ? cjk[random.Next(cjk.Length)] : "");
            }
            else if (kind < 77)
            {
                text = string.Concat(Enumerable.Range(0, 1 + random.Next(3)).Select(_ => cyrillic[random.Next(cyrillic.Length)]));
            }
            else if (kind < 82)
            {
                text = (random.Next(2) == 0 ? " " : "") + Syllables[random.Next(Syllables.Length)] + accented[random.Next(accented.Length)] + Syllables[random.Next(Syllables.Length)];
            }
            else if (kind < 85)
            {
                var bytes = Encoding.UTF8.GetBytes(emoji[random.Next(emoji.Length)]);
                // Byte-level BPE keeps rare emoji as pieces that split the character.
                var cut = 1 + random.Next(bytes.Length - 1);
                Add(random.Next(2) == 0 ? bytes[..cut] : bytes[cut..]);
                continue;
            }
            else if (kind < 90)
            {
                text = random.Next(10).ToString() + random.Next(100).ToString("D2");
            }
            else if (kind < 96)
            {
                text = Punctuation[random.Next(Punctuation.Length)] + Syllables[random.Next(Syllables.Length)] + (random.Next(2) == 0 ? Punctuation[random.Next(Punctuation.Length)] : "");
            }
            else
            {
                text = "_" + Syllables[random.Next(Syllables.Length)] + Syllables[random.Next(Syllables.Length)];
            }
            AddText(text);
        }

        var specials = new Dictionary<string, int>();
        foreach (var special in new[] { "<|endoftext|>", "<|im_start|>", "<|im_end|>", "<tool_call>", "</tool_call>", "<think>", "</think>" })
        {
            specials[special] = tokens.Count;
            tokens.Add(Encoding.UTF8.GetBytes(special));
        }
        return new TokenVocabulary(tokens, specials, [specials["<|endoftext|>"], specials["<|im_end|>"]]);
    }
}
