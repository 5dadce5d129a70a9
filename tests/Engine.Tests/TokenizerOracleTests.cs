using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Unicode;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cluster.Engine.Tokenization;
using Xunit.Abstractions;

namespace Cluster.Engine.Tests;

/// <summary>
/// The real Llama 3 and Qwen3 tokenizer.json files, decompressed once from the gzipped copies committed beside the
/// oracle (TokenizerOracle/README.md says where they came from), plus the variants the oracle built from Qwen3's vocabulary.
/// </summary>
public sealed class RealTokenizers : IDisposable
{
    private readonly TemporaryDirectory _directory = new();
    private readonly Dictionary<string, Lazy<HfTokenizer>> _tokenizers = new(StringComparer.Ordinal);

    public RealTokenizers()
    {
        var llama3 = Decompress("llama3");
        var qwen3 = Decompress("qwen3");
        var gpt2Split = new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = false, ["trim_offsets"] = false, ["use_regex"] = true };
        Add("llama3", () => llama3);
        Add("qwen3", () => qwen3);
        // The same edits as oracle.js's variants().
        Add("qwen3-gpt2-split", () => WithPreTokenizer(qwen3, gpt2Split.DeepClone()));
        Add("qwen3-digits-gpt2-split", () => WithPreTokenizer(qwen3, new JsonObject
        {
            ["type"] = "Sequence",
            ["pretokenizers"] = new JsonArray(new JsonObject { ["type"] = "Digits", ["individual_digits"] = true }, gpt2Split.DeepClone()),
        }));
    }

    public static string OracleFolder => Path.Combine(AppContext.BaseDirectory, "TokenizerOracle");

    public IEnumerable<string> Names => _tokenizers.Keys;

    public HfTokenizer this[string name] => _tokenizers[name].Value;

    public void Dispose() => _directory.Dispose();

    private void Add(string name, Func<string> write) =>
        _tokenizers[name] = new Lazy<HfTokenizer>(() => HfTokenizer.Load(write()), LazyThreadSafetyMode.ExecutionAndPublication);

    private string Decompress(string name)
    {
        var target = Path.Combine(_directory.Path, $"{name}.tokenizer.json");
        using var source = new GZipStream(File.OpenRead(Path.Combine(OracleFolder, $"{name}.tokenizer.json.gz")), CompressionMode.Decompress);
        using var output = File.Create(target);
        source.CopyTo(output);
        return target;
    }

    private string WithPreTokenizer(string path, JsonNode preTokenizer)
    {
        var definition = JsonNode.Parse(File.ReadAllText(path))!;
        definition["pre_tokenizer"] = preTokenizer;
        var target = Path.Combine(_directory.Path, $"{Guid.NewGuid():N}.tokenizer.json");
        File.WriteAllText(target, definition.ToJsonString());
        return target;
    }
}

/// <summary>One string of the oracle corpus and the ids Hugging Face's Rust tokenizers gave it.</summary>
public sealed record OracleCase(string Text, IReadOnlyDictionary<string, (int[] Ids, string Decoded)> Expected)
{
    public static IReadOnlyList<OracleCase> All { get; } = Load();

    private static List<OracleCase> Load()
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(RealTokenizers.OracleFolder, "expected.json")));
        var cases = new List<OracleCase>();
        foreach (var item in document.RootElement.GetProperty("cases").EnumerateArray())
        {
            // The text travels as UTF-16 code units: the corpus holds unpaired surrogates, which JSON strings cannot carry safely.
            var units = item.GetProperty("units").GetString()!;
            var text = new StringBuilder(units.Length / 4);
            for (var i = 0; i < units.Length; i += 4)
            {
                text.Append((char)int.Parse(units.AsSpan(i, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
            }
            var expected = new Dictionary<string, (int[], string)>(StringComparer.Ordinal);
            foreach (var tokenizer in item.GetProperty("expected").EnumerateObject())
            {
                expected[tokenizer.Name] = (
                    tokenizer.Value.GetProperty("ids").EnumerateArray().Select(id => id.GetInt32()).ToArray(),
                    tokenizer.Value.GetProperty("decoded").GetString()!);
            }
            cases.Add(new OracleCase(text.ToString(), expected));
        }
        return cases;
    }
}

/// <summary>
/// HfTokenizer against Hugging Face's own tokenizers on strings that stress the pre-tokenizer split: letters, digits
/// and marks outside the Basic Multilingual Plane (which .NET's <c>\p{L}</c> alone never matches), contractions after
/// them, whitespace variants, unpaired surrogates. Expected ids come from TokenizerOracle/oracle.js; nothing here needs
/// Node or the network.
/// </summary>
public sealed class TokenizerOracleTests(RealTokenizers tokenizers, ITestOutputHelper output) : IClassFixture<RealTokenizers>
{
    private static readonly string[] Names = ["llama3", "qwen3", "qwen3-gpt2-split", "qwen3-digits-gpt2-split"];

    public static TheoryData<string> TokenizerNames => new(Names);

    [Fact]
    public void Corpus_is_large_and_covers_every_tokenizer()
    {
        Assert.True(OracleCase.All.Count >= 200, $"{OracleCase.All.Count} strings");
        Assert.All(OracleCase.All, c => Assert.Equal(Names.Order(), c.Expected.Keys.Order()));
        // Unpaired surrogates survived the trip through expected.json.
        Assert.Contains(OracleCase.All, c => c.Text == "a\uD800b");
    }

    [Theory]
    [MemberData(nameof(TokenizerNames))]
    public void Encoding_matches_hugging_face_on_every_corpus_string(string name)
    {
        var tokenizer = tokenizers[name];
        var mismatches = new List<string>();
        foreach (var oracle in OracleCase.All)
        {
            var expected = oracle.Expected[name].Ids;
            try
            {
                var actual = tokenizer.Encode(oracle.Text, allowSpecialTokens: false);
                if (!expected.SequenceEqual(actual))
                {
                    mismatches.Add($"{Escape(oracle.Text)}: expected [{Pieces(tokenizer, expected)}] got [{Pieces(tokenizer, actual)}]");
                }
            }
            catch (ArgumentException e)
            {
                mismatches.Add($"{Escape(oracle.Text)}: {e.Message}");
            }
        }
        output.WriteLine($"{name}: {OracleCase.All.Count - mismatches.Count}/{OracleCase.All.Count} strings match");
        Assert.True(mismatches.Count == 0, $"{mismatches.Count} of {OracleCase.All.Count} differ:\n{string.Join("\n", mismatches.Take(30))}");
    }

    [Theory]
    [MemberData(nameof(TokenizerNames))]
    public void Decoding_the_ids_gives_what_hugging_face_decodes(string name)
    {
        var tokenizer = tokenizers[name];
        foreach (var oracle in OracleCase.All)
        {
            var (ids, decoded) = oracle.Expected[name];
            Assert.Equal(decoded, tokenizer.Decode(ids, skipSpecialTokens: false));
            // Round trip: what was encoded comes back, with each unpaired surrogate as U+FFFD (as UTF-8 has it).
            var wellFormed = Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(oracle.Text)).Normalize(NormalizationForm.FormC);
            Assert.Equal(wellFormed, tokenizer.Decode(tokenizer.Encode(oracle.Text, allowSpecialTokens: false), skipSpecialTokens: false).Normalize(NormalizationForm.FormC));
        }
    }

    /// <summary>Tokens as text, or as hex bytes where a token holds part of a character.</summary>
    private static string Pieces(HfTokenizer tokenizer, IEnumerable<int> ids) =>
        string.Join("|", ids.Select(id => tokenizer.GetTokenBytes(id)).Select(bytes => Utf8.IsValid(bytes)
            ? Escape(Encoding.UTF8.GetString(bytes))
            : Convert.ToHexString(bytes)));

    private static string Escape(string text)
    {
        var builder = new StringBuilder();
        foreach (var c in text)
        {
            builder.Append(c < ' ' || char.IsSurrogate(c) && !char.IsLetterOrDigit(c) ? $"\\u{(int)c:X4}" : c.ToString());
        }
        return builder.ToString();
    }
}
