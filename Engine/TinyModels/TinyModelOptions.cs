using Cluster.Engine.ModelFiles;

namespace Cluster.Engine.TinyModels;

/// <summary>
/// What <see cref="TinyModelBuilder"/> writes. Defaults give a model of about a quarter million parameters that runs
/// in milliseconds; the size options scale it up (e.g. to ~100M parameters for decode benchmarks).
/// </summary>
public sealed record TinyModelOptions
{
    /// <summary>The folder to write (created if missing; existing model files are replaced).</summary>
    public required string OutputDirectory { get; init; }

    public TinyModelArchitecture Architecture { get; init; } = TinyModelArchitecture.Qwen2;

    /// <summary>Seeds the weights; the same options always give byte-identical files.</summary>
    public long Seed { get; init; }

    public int HiddenSize { get; init; } = 64;

    public int IntermediateSize { get; init; } = 128;

    public int NumHiddenLayers { get; init; } = 2;

    public int NumAttentionHeads { get; init; } = 4;

    public int NumKeyValueHeads { get; init; } = 2;

    /// <summary>
    /// Per-head dimension; null means hidden / heads, except for qwen3, which (like the real Qwen3) gets a head
    /// dimension of twice that so that code relying on heads × head_dim = hidden is caught.
    /// </summary>
    public int? HeadDim { get; init; }

    /// <summary>What the tokenizer is learned from; the default is Qwen2's split over the embedded corpus.</summary>
    public TinyModelVocabulary Vocabulary { get; init; } = TinyModelVocabulary.Default;

    /// <summary>Embedding rows; null means the tokenizer's size. Larger values pad, as real checkpoints do.</summary>
    public int? VocabSize { get; init; }

    public int MaxPositionEmbeddings { get; init; } = 2048;

    /// <summary>Mistral's sliding attention window (default 4096); qwen2/qwen3 turn on <c>use_sliding_window</c> when set.</summary>
    public int? SlidingWindow { get; init; }

    /// <summary>Weight storage type: F32 (default), BF16 or F16.</summary>
    public SafetensorsDType DType { get; init; } = SafetensorsDType.F32;

    /// <summary>1 writes <c>model.safetensors</c>; more writes that many shards plus <c>model.safetensors.index.json</c>.</summary>
    public int ShardCount { get; init; } = 1;

    /// <summary>Checks the sizes are consistent.</summary>
    /// <exception cref="ArgumentException">A size is not positive, or heads do not divide evenly.</exception>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(OutputDirectory))
        {
            throw new ArgumentException("OutputDirectory is required.");
        }
        if (HiddenSize <= 0 || IntermediateSize <= 0 || NumHiddenLayers <= 0 || NumAttentionHeads <= 0 || NumKeyValueHeads <= 0
            || MaxPositionEmbeddings <= 0 || ShardCount <= 0 || HeadDim <= 0 || VocabSize <= 0 || SlidingWindow <= 0)
        {
            throw new ArgumentException("Model sizes, shard count and window must be positive.");
        }
        if (NumAttentionHeads % NumKeyValueHeads != 0)
        {
            throw new ArgumentException($"num_attention_heads {NumAttentionHeads} must be a multiple of num_key_value_heads {NumKeyValueHeads}.");
        }
        if (HeadDim is null && HiddenSize % NumAttentionHeads != 0)
        {
            throw new ArgumentException($"hidden_size {HiddenSize} must be divisible by num_attention_heads {NumAttentionHeads}.");
        }
        if (HeadDim is { } d && d % 2 != 0 || HeadDim is null && HiddenSize / NumAttentionHeads % 2 != 0)
        {
            throw new ArgumentException("head_dim must be even (rotary embeddings rotate pairs).");
        }
        if (DType is not (SafetensorsDType.F32 or SafetensorsDType.BF16 or SafetensorsDType.F16))
        {
            throw new ArgumentException($"DType must be F32, BF16 or F16, not {DType}.");
        }
    }

    /// <summary>The head dimension the model gets.</summary>
    public int ResolvedHeadDim =>
        HeadDim ?? (Architecture == TinyModelArchitecture.Qwen3 ? 2 : 1) * (HiddenSize / NumAttentionHeads);
}
