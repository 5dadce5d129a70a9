using System.Text.Json;
using System.Text.RegularExpressions;
using Cluster.Engine.ModelFiles;

namespace Cluster.Engine.Tokenization;

/// <summary>
/// The parts of a Hugging Face <c>tokenizer.json</c> that a BPE tokenizer needs: vocabulary, merges, added tokens, the
/// pre-tokenizer's split patterns, and the SentencePiece-style whitespace handling where present.
/// </summary>
internal sealed class TokenizerJson
{
    /// <summary>GPT-2's pre-tokenizer pattern, which a ByteLevel pre-tokenizer with <c>use_regex</c> applies.</summary>
    public const string Gpt2SplitPattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    public const char SentencePieceSpace = '\u2581';

    public required BpeVocabularyStyle Style { get; init; }

    public required Dictionary<string, int> Vocabulary { get; init; }

    public required List<(string Left, string Right)> Merges { get; init; }

    public required List<AddedToken> AddedTokens { get; init; }

    /// <summary>
    /// Split patterns applied in order, each splitting the pieces of the previous one; they match code points, as
    /// Hugging Face's do (<see cref="CodePointRegex"/>), on text without unpaired surrogates.
    /// </summary>
    public required List<CodePointRegex> SplitPatterns { get; init; }

    /// <summary>Llama 3: a pre-token found whole in the vocabulary is emitted as is, without merging.</summary>
    public bool IgnoreMerges { get; init; }

    public bool ByteFallback { get; init; }

    public string? UnknownToken { get; init; }

    /// <summary>Byte-level <c>add_prefix_space</c>: a space is put before text that does not start with one.</summary>
    public bool AddPrefixSpace { get; init; }

    /// <summary>Unicode NFC normalization before splitting (Qwen).</summary>
    public bool NormalizeNfc { get; init; }

    /// <summary>SentencePiece: spaces become <c>▁</c>.</summary>
    public bool ReplaceSpaces { get; init; }

    /// <summary>SentencePiece: when a <c>▁</c> is put before text.</summary>
    public SpacePrefixScheme PrefixScheme { get; init; }

    /// <summary>SentencePiece Metaspace with <c>split</c>: pieces start at each <c>▁</c>.</summary>
    public bool SplitOnSpaceMarker { get; init; }

    /// <summary>Leading spaces the decoder strips from the decoded text (SentencePiece undoing its prefix).</summary>
    public int DecoderStripsLeadingSpaces { get; init; }

    /// <summary>Whether the post-processor puts the BOS token before a single sequence.</summary>
    public string? PostProcessorBosToken { get; init; }

    public static TokenizerJson Load(string path)
    {
        using var document = JsonElementReading.ParseFile(path);
        return Parse(document.RootElement, path);
    }

    private static TokenizerJson Parse(JsonElement root, string source)
    {
        var model = root.Field("model") ?? throw new InvalidDataException($"{source}: no model.");
        var modelType = model.String("type") ?? (model.Field("merges") is not null ? "BPE" : null);
        if (modelType != "BPE")
        {
            throw new NotSupportedException($"{source}: tokenizer model type '{modelType}' is not supported (only BPE).");
        }

        var vocabulary = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var entry in (model.Field("vocab") ?? throw new InvalidDataException($"{source}: no model.vocab.")).EnumerateObject())
        {
            vocabulary[entry.Name] = entry.Value.GetInt32();
        }

        var addedTokens = new List<AddedToken>();
        if (root.Field("added_tokens") is { ValueKind: JsonValueKind.Array } added)
        {
            foreach (var token in added.EnumerateArray())
            {
                addedTokens.Add(new AddedToken(
                    token.Int("id") ?? throw new InvalidDataException($"{source}: added token without id."),
                    token.String("content") ?? throw new InvalidDataException($"{source}: added token without content."),
                    token.Bool("special") ?? false));
            }
        }

        var normalizers = Flatten(root.Field("normalizer"), "normalizers");
        var preTokenizers = Flatten(root.Field("pre_tokenizer"), "pretokenizers");
        var decoders = Flatten(root.Field("decoder"), "decoders");

        var splitPatterns = new List<CodePointRegex>();
        var byteLevel = false;
        var addPrefixSpace = false;
        var prefixScheme = SpacePrefixScheme.Never;
        var replaceSpaces = false;
        var splitOnSpaceMarker = false;
        foreach (var pre in preTokenizers)
        {
            switch (pre.String("type"))
            {
                case "Split":
                    var behavior = pre.String("behavior") ?? "Isolated";
                    if (behavior != "Isolated" || pre.Bool("invert") == true)
                    {
                        throw new NotSupportedException($"{source}: Split pre-tokenizer behavior '{behavior}' (invert) is not supported.");
                    }
                    splitPatterns.Add(CompileSplitPattern(pre.Field("pattern"), source));
                    break;
                case "ByteLevel":
                    byteLevel = true;
                    addPrefixSpace = pre.Bool("add_prefix_space") ?? false;
                    if (pre.Bool("use_regex") ?? true)
                    {
                        splitPatterns.Add(CodePointRegex.Create(Gpt2SplitPattern, RegexOptions.Compiled | RegexOptions.CultureInvariant));
                    }
                    break;
                case "Metaspace":
                    replaceSpaces = true;
                    prefixScheme = ParsePrefixScheme(pre);
                    splitOnSpaceMarker = pre.Bool("split") ?? true;
                    break;
                case "Digits":
                    splitPatterns.Add(CodePointRegex.Create(pre.Bool("individual_digits") == true ? @"\p{N}" : @"\p{N}+|[^\p{N}]+",
                        RegexOptions.Compiled | RegexOptions.CultureInvariant));
                    break;
                case var other:
                    throw new NotSupportedException($"{source}: pre-tokenizer '{other}' is not supported.");
            }
        }

        var normalizeNfc = false;
        foreach (var normalizer in normalizers)
        {
            switch (normalizer.String("type"))
            {
                case "NFC":
                    normalizeNfc = true;
                    break;
                case "Prepend" when normalizer.String("prepend") == SentencePieceSpace.ToString():
                    prefixScheme = SpacePrefixScheme.EverySegment;
                    break;
                case "Replace" when normalizer.Field("pattern")?.String("String") == " " && normalizer.String("content") == SentencePieceSpace.ToString():
                    replaceSpaces = true;
                    break;
                case var other:
                    throw new NotSupportedException($"{source}: normalizer '{other}' is not supported.");
            }
        }

        var stripLeading = 0;
        foreach (var decoder in decoders)
        {
            switch (decoder.String("type"))
            {
                case "ByteLevel":
                    byteLevel = true;
                    break;
                case "Strip" when decoder.String("content") == " ":
                    stripLeading = decoder.Int("start") ?? 0;
                    break;
                case "Metaspace" when ParsePrefixScheme(decoder) != SpacePrefixScheme.Never:
                    stripLeading = 1;
                    break;
            }
        }

        var byteFallback = model.Bool("byte_fallback") ?? false;
        var style = byteLevel ? BpeVocabularyStyle.ByteLevel
            : byteFallback || replaceSpaces ? BpeVocabularyStyle.SentencePiece
            : throw new NotSupportedException($"{source}: BPE without a ByteLevel or SentencePiece-style vocabulary is not supported.");

        return new TokenizerJson
        {
            Style = style,
            Vocabulary = vocabulary,
            Merges = ParseMerges(model.Field("merges"), source),
            AddedTokens = addedTokens,
            SplitPatterns = splitPatterns,
            IgnoreMerges = model.Bool("ignore_merges") ?? false,
            ByteFallback = byteFallback,
            UnknownToken = model.String("unk_token"),
            AddPrefixSpace = addPrefixSpace,
            NormalizeNfc = normalizeNfc,
            ReplaceSpaces = replaceSpaces,
            PrefixScheme = prefixScheme,
            SplitOnSpaceMarker = splitOnSpaceMarker,
            DecoderStripsLeadingSpaces = stripLeading,
            PostProcessorBosToken = FindPostProcessorBos(root.Field("post_processor")),
        };
    }

    /// <summary>Merges as <c>"a b"</c> strings (older files) or <c>["a", "b"]</c> pairs (newer files, which allow spaces).</summary>
    private static List<(string, string)> ParseMerges(JsonElement? merges, string source)
    {
        var result = new List<(string, string)>();
        if (merges is not { ValueKind: JsonValueKind.Array } list)
        {
            return result;
        }
        foreach (var merge in list.EnumerateArray())
        {
            if (merge.ValueKind == JsonValueKind.String)
            {
                var text = merge.GetString()!;
                var space = text.IndexOf(' ', 1);
                if (space < 0)
                {
                    throw new InvalidDataException($"{source}: merge '{text}' is not two space-separated tokens.");
                }
                result.Add((text[..space], text[(space + 1)..]));
            }
            else if (merge.ValueKind == JsonValueKind.Array && merge.GetArrayLength() == 2)
            {
                result.Add((merge[0].GetString()!, merge[1].GetString()!));
            }
            else
            {
                throw new InvalidDataException($"{source}: malformed merge {merge.GetRawText()}.");
            }
        }
        return result;
    }

    private static CodePointRegex CompileSplitPattern(JsonElement? pattern, string source)
    {
        if (pattern?.String("Regex") is { } regex)
        {
            try
            {
                return CodePointRegex.Create(regex, RegexOptions.Compiled | RegexOptions.CultureInvariant);
            }
            catch (ArgumentException e)
            {
                // Oniguruma syntax .NET lacks, such as possessive quantifiers (?+, *+), ends up here.
                throw new NotSupportedException($"{source}: split pattern is not valid .NET regex syntax: {regex}", e);
            }
        }
        if (pattern?.String("String") is { } literal)
        {
            return CodePointRegex.Create(Regex.Escape(literal), RegexOptions.Compiled | RegexOptions.CultureInvariant);
        }
        throw new InvalidDataException($"{source}: Split pre-tokenizer without a pattern.");
    }

    private static SpacePrefixScheme ParsePrefixScheme(JsonElement metaspace) =>
        metaspace.String("prepend_scheme") switch
        {
            "never" => SpacePrefixScheme.Never,
            "first" => SpacePrefixScheme.FirstSegment,
            "always" => SpacePrefixScheme.EverySegment,
            // Files older than prepend_scheme say add_prefix_space.
            _ => metaspace.Bool("add_prefix_space") == false ? SpacePrefixScheme.Never : SpacePrefixScheme.EverySegment,
        };

    private static string? FindPostProcessorBos(JsonElement? postProcessor)
    {
        foreach (var processor in Flatten(postProcessor, "processors"))
        {
            if (processor.String("type") == "TemplateProcessing"
                && processor.Field("single") is { ValueKind: JsonValueKind.Array } single
                && single.GetArrayLength() > 0
                && single[0].Field("SpecialToken")?.String("id") is { } first)
            {
                return first;
            }
        }
        return null;
    }

    /// <summary>A component that may be a single object or a <c>Sequence</c> of them, as a flat list.</summary>
    private static List<JsonElement> Flatten(JsonElement? component, string listName)
    {
        var result = new List<JsonElement>();
        if (component is not { ValueKind: JsonValueKind.Object } value)
        {
            return result;
        }
        if (value.String("type") == "Sequence" && value.Field(listName) is { ValueKind: JsonValueKind.Array } items)
        {
            foreach (var item in items.EnumerateArray())
            {
                result.AddRange(Flatten(item, listName));
            }
        }
        else
        {
            result.Add(value);
        }
        return result;
    }
}

/// <summary>Where SentencePiece-style tokenizers put a <c>▁</c> before text.</summary>
internal enum SpacePrefixScheme
{
    Never,
    FirstSegment,
    EverySegment,
}
