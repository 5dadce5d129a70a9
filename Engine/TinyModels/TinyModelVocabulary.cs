namespace Cluster.Engine.TinyModels;

/// <summary>
/// What a tiny model's byte-level BPE tokenizer is learned from: the pre-tokenizer's split pattern, text added to the
/// embedded corpus, and the most merges to learn.
/// </summary>
/// <param name="ExtraCorpus">Text learned from besides the embedded corpus (English, code, JSON tool calls and the chat
/// templates), e.g. a sample of a training set's conversations, so its frequent words get tokens of their own.</param>
public sealed record TinyModelVocabulary(string PreTokenizerPattern, string ExtraCorpus = "", int MergeCount = TinyModelVocabulary.DefaultMergeCount)
{
    public const int DefaultMergeCount = 1400;

    /// <summary>The Qwen2 / GPT-4-style pre-tokenizer pattern (the split Qwen2's tokenizer.json declares): a word
    /// carries the space or mark before it.</summary>
    public const string Qwen2Pattern =
        @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    /// <summary>
    /// Qwen2's pattern, except that a word never carries the space or mark before it: a word is the same tokens
    /// wherever it stands (" Amsterdam" in a request, "\"Amsterdam" in a call's arguments, "_hotel" in a tool name),
    /// which a model too small to learn that " Am" and "Am" spell the same needs in order to copy and match words.
    /// </summary>
    public const string SeparateWordsPattern =
        @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    /// <summary>The tiny models' tokenizer: Qwen2's split, learned from the embedded corpus alone.</summary>
    public static TinyModelVocabulary Default { get; } = new(Qwen2Pattern);
}
