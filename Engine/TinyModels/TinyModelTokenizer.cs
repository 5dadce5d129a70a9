using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Cluster.Engine.TinyModels;

/// <summary>
/// A tiny model's byte-level BPE tokenizer: merges learned from the embedded corpus (plus a
/// <see cref="TinyModelVocabulary"/>'s extra text) under its pre-tokenizer, and the added tokens of
/// <see cref="TinyModelSpecialTokens"/>. Written as a Hugging Face <c>tokenizer.json</c>. Learned once per process
/// and vocabulary.
/// </summary>
public sealed class TinyModelTokenizer
{
    private static readonly ConcurrentDictionary<TinyModelVocabulary, TinyModelTokenizer> Learned = new();

    private readonly Lazy<BpeMergeTrainer.Result> _trained;

    private TinyModelTokenizer(TinyModelVocabulary vocabulary)
    {
        Vocabulary = vocabulary;
        _trained = new(() =>
        {
            var corpus = TinyModelResources.CorpusText + string.Concat(
                Enum.GetValues<TinyModelArchitecture>().Select(a => "\n" + TinyModelResources.ChatTemplate(a))) + vocabulary.ExtraCorpus;
            return BpeMergeTrainer.Train(corpus, new Regex(vocabulary.PreTokenizerPattern, RegexOptions.CultureInvariant), vocabulary.MergeCount);
        });
    }

    /// <summary>The tokenizer of <see cref="TinyModelVocabulary.Default"/>, which the tiny test models use.</summary>
    public static TinyModelTokenizer Default => For(TinyModelVocabulary.Default);

    public static TinyModelTokenizer For(TinyModelVocabulary vocabulary) => Learned.GetOrAdd(vocabulary, v => new TinyModelTokenizer(v));

    public TinyModelVocabulary Vocabulary { get; }

    /// <summary>Learned vocabulary size plus added tokens: the model's default embedding rows.</summary>
    public int VocabSize => _trained.Value.Tokens.Count + TinyModelSpecialTokens.All.Count;

    /// <summary>The id of an added token (they follow the learned vocabulary).</summary>
    public int AddedTokenId(string content)
    {
        for (var i = 0; i < TinyModelSpecialTokens.All.Count; i++)
        {
            if (TinyModelSpecialTokens.All[i].Content == content)
            {
                return _trained.Value.Tokens.Count + i;
            }
        }
        throw new ArgumentException($"'{content}' is not a tiny-model added token.", nameof(content));
    }

    /// <summary>Writes <c>tokenizer.json</c>.</summary>
    public void WriteTokenizerJson(string path) => HuggingFaceJsonFile.Write(path, WriteTokenizerMembers);

    private void WriteTokenizerMembers(Utf8JsonWriter json)
    {
        var trained = _trained.Value;
        json.WriteString("version", "1.0");
        json.WriteNull("truncation");
        json.WriteNull("padding");

        json.WriteStartArray("added_tokens");
        foreach (var (content, special) in TinyModelSpecialTokens.All)
        {
            json.WriteStartObject();
            json.WriteNumber("id", AddedTokenId(content));
            json.WriteString("content", content);
            json.WriteBoolean("single_word", false);
            json.WriteBoolean("lstrip", false);
            json.WriteBoolean("rstrip", false);
            json.WriteBoolean("normalized", false);
            json.WriteBoolean("special", special);
            json.WriteEndObject();
        }
        json.WriteEndArray();

        json.WriteStartObject("normalizer");
        json.WriteString("type", "NFC");
        json.WriteEndObject();

        json.WriteStartObject("pre_tokenizer");
        json.WriteString("type", "Sequence");
        json.WriteStartArray("pretokenizers");
        json.WriteStartObject();
        json.WriteString("type", "Split");
        json.WriteStartObject("pattern");
        json.WriteString("Regex", Vocabulary.PreTokenizerPattern);
        json.WriteEndObject();
        json.WriteString("behavior", "Isolated");
        json.WriteBoolean("invert", false);
        json.WriteEndObject();
        WriteByteLevel(json);
        json.WriteEndArray();
        json.WriteEndObject();

        json.WritePropertyName("post_processor");
        WriteByteLevel(json);
        json.WritePropertyName("decoder");
        WriteByteLevel(json);

        json.WriteStartObject("model");
        json.WriteString("type", "BPE");
        json.WriteNull("dropout");
        json.WriteNull("unk_token");
        json.WriteString("continuing_subword_prefix", "");
        json.WriteString("end_of_word_suffix", "");
        json.WriteBoolean("fuse_unk", false);
        json.WriteBoolean("byte_fallback", false);
        json.WriteBoolean("ignore_merges", false);
        json.WriteStartObject("vocab");
        for (var id = 0; id < trained.Tokens.Count; id++)
        {
            json.WriteNumber(trained.Tokens[id], id);
        }
        json.WriteEndObject();
        json.WriteStartArray("merges");
        foreach (var (left, right) in trained.Merges)
        {
            json.WriteStartArray();
            json.WriteStringValue(left);
            json.WriteStringValue(right);
            json.WriteEndArray();
        }
        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void WriteByteLevel(Utf8JsonWriter json)
    {
        json.WriteStartObject();
        json.WriteString("type", "ByteLevel");
        json.WriteBoolean("add_prefix_space", false);
        json.WriteBoolean("trim_offsets", false);
        json.WriteBoolean("use_regex", false);
        json.WriteEndObject();
    }
}
