namespace Cluster.Engine.Tokenization;

/// <summary>How a BPE vocabulary spells the bytes of its tokens.</summary>
public enum BpeVocabularyStyle
{
    /// <summary>GPT-2 byte-level alphabet (GPT-2, Qwen2/2.5/3, Llama 3): every byte has a vocabulary character.</summary>
    ByteLevel,

    /// <summary>
    /// SentencePiece-converted BPE (Llama 2, Mistral): text characters as they are, <c>▁</c> for a space, and
    /// <c>&lt;0xNN&gt;</c> byte tokens for characters outside the vocabulary (byte fallback).
    /// </summary>
    SentencePiece,
}
