using Cluster.Constraints;

namespace Cluster.Engine.Tokenization;

/// <summary>The tokenizer's vocabulary as constrained decoding sees it: each id's raw bytes, special tokens, EOS ids.</summary>
public static class ConstraintVocabulary
{
    /// <summary>
    /// Builds the vocabulary once per model. Added tokens marked special are terminals a grammar names by id, never
    /// matched by text; every other token (added ones included) stands for its bytes.
    /// </summary>
    public static TokenVocabulary Create(HfTokenizer tokenizer, IEnumerable<int> eosTokenIds)
    {
        var bytes = new byte[tokenizer.VocabSize][];
        for (int id = 0; id < bytes.Length; id++) bytes[id] = tokenizer.GetTokenBytes(id);
        return new TokenVocabulary(bytes, tokenizer.SpecialTokens, eosTokenIds);
    }
}
