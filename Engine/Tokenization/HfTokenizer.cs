using System.Text;

namespace Cluster.Engine.Tokenization;

/// <summary>
/// A Hugging Face BPE tokenizer loaded from <c>tokenizer.json</c> (+ <c>tokenizer_config.json</c>): byte-level
/// vocabularies (GPT-2, Qwen2/2.5/3, Llama 3) and SentencePiece-converted ones with byte fallback (Llama 2, Mistral).
/// Added tokens are matched here (only when the caller allows it, so user text never produces control tokens); the
/// text between them goes through <see cref="BpeTextEncoder"/>; the id → bytes table serves decoding and streaming.
/// </summary>
public sealed class HfTokenizer
{
    private readonly TokenizerJson _definition;
    private readonly BpeTextEncoder _encoder;
    private readonly AddedTokenMatcher _addedTokenMatcher;
    private readonly Dictionary<string, int> _idByToken;
    private readonly string?[] _tokenById;
    private readonly bool[] _specialById;
    private readonly TokenByteTable _bytesById;

    private HfTokenizer(TokenizerJson definition, TokenizerConfig config)
    {
        _definition = definition;
        Config = config;

        // tokenizer.json's added tokens win; tokenizer_config's added_tokens_decoder fills in any it lacks.
        var addedById = new SortedDictionary<int, AddedToken>();
        foreach (var token in config.AddedTokens.Concat(definition.AddedTokens))
        {
            addedById[token.Id] = token;
        }
        var added = addedById.Values.ToList();

        _idByToken = new Dictionary<string, int>(definition.Vocabulary, StringComparer.Ordinal);
        foreach (var token in added)
        {
            _idByToken[token.Content] = token.Id;
        }

        VocabSize = _idByToken.Count == 0 ? 0 : _idByToken.Values.Max() + 1;
        _tokenById = new string?[VocabSize];
        foreach (var (token, id) in definition.Vocabulary)
        {
            _tokenById[id] = token;
        }
        _specialById = new bool[VocabSize];
        var bytesById = new byte[]?[VocabSize];
        foreach (var (token, id) in definition.Vocabulary)
        {
            bytesById[id] = VocabularyTokenBytes(token, definition.Style);
        }
        foreach (var token in added)
        {
            _tokenById[token.Id] = token.Content;
            _specialById[token.Id] = token.Special;
            bytesById[token.Id] = Encoding.UTF8.GetBytes(token.Content);
        }
        _bytesById = new TokenByteTable(bytesById);

        AddedTokens = added.ToDictionary(t => t.Content, t => t.Id, StringComparer.Ordinal);
        SpecialTokens = added.Where(t => t.Special).ToDictionary(t => t.Content, t => t.Id, StringComparer.Ordinal);
        _addedTokenMatcher = new AddedTokenMatcher(added);

        _encoder = new BpeTextEncoder(definition);

        BosToken = config.BosToken ?? definition.PostProcessorBosToken;
        EosToken = config.EosToken;
        AddBosToken = config.AddBosToken ?? definition.PostProcessorBosToken is not null;
        BosTokenId = BosToken is null ? null : TokenToId(BosToken);
        EosTokenIds = EosToken is not null && TokenToId(EosToken) is { } eos ? [eos] : [];
    }

    /// <summary>How the vocabulary spells bytes.</summary>
    public BpeVocabularyStyle Style => _definition.Style;

    /// <summary>One past the largest token id (vocabulary and added tokens).</summary>
    public int VocabSize { get; }

    /// <summary>The tokenizer_config.json contents (empty when there was none).</summary>
    public TokenizerConfig Config { get; }

    public string? BosToken { get; }

    public string? EosToken { get; }

    public int? BosTokenId { get; }

    /// <summary>The end-of-sequence ids the tokenizer files name (generation_config.json may add more).</summary>
    public IReadOnlyList<int> EosTokenIds { get; }

    /// <summary>Whether the model expects BOS before a sequence (<c>add_bos_token</c>, or the post-processor's template).</summary>
    public bool AddBosToken { get; }

    /// <summary>Every added token, special or not, by content.</summary>
    public IReadOnlyDictionary<string, int> AddedTokens { get; }

    /// <summary>Added tokens marked <c>special: true</c> (control tokens), by content.</summary>
    public IReadOnlyDictionary<string, int> SpecialTokens { get; }

    /// <summary>Loads <c>tokenizer.json</c> and, when given and present, <c>tokenizer_config.json</c>.</summary>
    /// <exception cref="NotSupportedException">The tokenizer is not a BPE of a supported style.</exception>
    public static HfTokenizer Load(string tokenizerJsonPath, string? tokenizerConfigPath = null) =>
        new(TokenizerJson.Load(tokenizerJsonPath), TokenizerConfig.Load(tokenizerConfigPath));

    /// <summary>Encodes text to token ids.</summary>
    /// <param name="text">The text.</param>
    /// <param name="allowSpecialTokens">
    /// True for trusted text such as a rendered chat template: added tokens written in it become their ids.
    /// False for user content: <c>&lt;|im_end|&gt;</c> typed by a user is encoded as ordinary text, never as the control token.
    /// </param>
    public IReadOnlyList<int> Encode(string text, bool allowSpecialTokens) => Encode(text, allowSpecialTokens, startsText: true);

    /// <summary>Encodes one piece of a longer text that is encoded piece by piece.</summary>
    /// <param name="text">The piece.</param>
    /// <param name="allowSpecialTokens">See <see cref="Encode(string, bool)"/>.</param>
    /// <param name="startsText">
    /// False for a piece that continues earlier text: SentencePiece tokenizers whose prefix scheme is "first" then do not
    /// put a <c>▁</c> before it, as they would not inside one whole text. Byte-level tokenizers ignore it.
    /// </param>
    public IReadOnlyList<int> Encode(string text, bool allowSpecialTokens, bool startsText)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>(text.Length / 3 + 4);
        if (!allowSpecialTokens)
        {
            _encoder.EncodeSegment(text, isFirstSegment: startsText, ids);
            return ids;
        }
        var position = 0;
        while (_addedTokenMatcher.TryFindNext(text, position, out var index, out var token))
        {
            _encoder.EncodeSegment(text[position..index], isFirstSegment: startsText && position == 0, ids);
            ids.Add(token.Id);
            position = index + token.Content.Length;
        }
        _encoder.EncodeSegment(text[position..], isFirstSegment: startsText && position == 0, ids);
        return ids;
    }

    /// <summary>
    /// The first added token at or after <paramref name="start"/>, found as <see cref="Encode(string, bool, bool)"/>
    /// finds it when special tokens are allowed (the longest at the first position). Encoding splits text there before
    /// anything else, so a caller that cuts text at these places and nowhere else gets the ids of encoding it whole.
    /// </summary>
    public bool TryFindAddedToken(string text, int start, out int index, out int length)
    {
        ArgumentNullException.ThrowIfNull(text);
        bool found = _addedTokenMatcher.TryFindNext(text, start, out index, out var token);
        length = found ? token.Content.Length : 0;
        return found;
    }

    /// <summary>Decodes ids to text; bytes that do not form valid UTF-8 become U+FFFD.</summary>
    /// <param name="ids">Token ids; ids outside the vocabulary decode to nothing.</param>
    /// <param name="skipSpecialTokens">Leave out added tokens marked special.</param>
    public string Decode(IEnumerable<int> ids, bool skipSpecialTokens)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var bytes = new List<byte>();
        foreach (var id in ids)
        {
            if (skipSpecialTokens && IsSpecial(id))
            {
                continue;
            }
            foreach (var b in TokenBytes(id))
            {
                bytes.Add(b);
            }
        }
        var text = Encoding.UTF8.GetString(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(bytes));
        var strip = 0;
        while (strip < DecoderStripsLeadingSpaces && strip < text.Length && text[strip] == ' ')
        {
            strip++;
        }
        return text[strip..];
    }

    /// <summary>The id of a vocabulary or added token, by its vocabulary spelling (e.g. <c>Ġthe</c>, <c>&lt;|im_end|&gt;</c>).</summary>
    public int? TokenToId(string token) => _idByToken.TryGetValue(token, out var id) ? id : null;

    /// <summary>A token's vocabulary spelling, or null for an id without a token.</summary>
    public string? IdToToken(int id) => (uint)id < (uint)_tokenById.Length ? _tokenById[id] : null;

    /// <summary>
    /// The raw UTF-8 bytes a token stands for (byte-level characters mapped back, <c>▁</c> as a space, <c>&lt;0xNN&gt;</c>
    /// as that byte, added tokens as their text). Empty for ids without a token. No allocation.
    /// </summary>
    public ReadOnlySpan<byte> TokenBytes(int id) => _bytesById[id];

    /// <summary>A copy of <see cref="TokenBytes"/>.</summary>
    public byte[] GetTokenBytes(int id) => TokenBytes(id).ToArray();

    /// <summary>Whether the id is an added token marked special.</summary>
    public bool IsSpecial(int id) => (uint)id < (uint)_specialById.Length && _specialById[id];

    /// <summary>Leading spaces the decoder strips from decoded text (SentencePiece undoing its <c>▁</c> prefix).</summary>
    internal int DecoderStripsLeadingSpaces => _definition.DecoderStripsLeadingSpaces;

    private static byte[] VocabularyTokenBytes(string token, BpeVocabularyStyle style)
    {
        if (style == BpeVocabularyStyle.ByteLevel)
        {
            var bytes = new List<byte>(token.Length);
            // A vocabulary entry outside the byte alphabet (some files list added tokens there too) is literal text.
            return ByteLevelAlphabet.TryDecode(token, bytes) ? bytes.ToArray() : Encoding.UTF8.GetBytes(token);
        }
        if (token.Length == 6 && token.StartsWith("<0x", StringComparison.Ordinal) && token[5] == '>'
            && byte.TryParse(token.AsSpan(3, 2), System.Globalization.NumberStyles.HexNumber, null, out var single))
        {
            return [single];
        }
        return Encoding.UTF8.GetBytes(token.Replace(TokenizerJson.SentencePieceSpace, ' '));
    }
}
