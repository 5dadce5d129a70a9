using Cluster.Engine.KvCache;
using Cluster.Engine.ModelFiles;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Cluster.Engine.Models;

/// <summary>The decoder stack (Hugging Face's <c>model.*</c> tensors): embeddings, layers, final norm.</summary>
internal sealed class TransformerModel : nn.Module
{
#pragma warning disable IDE1006 // field names are the checkpoint's tensor names
    internal readonly Embedding embed_tokens;
    private readonly ModuleList<DecoderLayer> layers;
    private readonly RmsNorm norm;
#pragma warning restore IDE1006

    // The activations' type: the embeddings may be stored narrower (--dtype bfloat16 on the CPU).
    private readonly ScalarType _dtype;

    public TransformerModel(ModelConfig config, ScalarType dtype) : base(nameof(TransformerModel))
    {
        _dtype = dtype;
        embed_tokens = nn.Embedding(config.VocabSize, config.HiddenSize);
        layers = new ModuleList<DecoderLayer>();
        for (int i = 0; i < config.NumHiddenLayers; i++) layers.Add(new DecoderLayer(config));
        norm = new RmsNorm(config.HiddenSize, config.RmsNormEps);
        RegisterComponents();
    }

    /// <summary>After loading: each layer's q/k/v and gate/up projections as one matrix each.</summary>
    internal void FuseProjections()
    {
        foreach (var layer in layers) layer.FuseProjections();
    }

    /// <returns>Final-normed hidden states [tokens, hidden] of every token.</returns>
    public Tensor Forward(Tensor tokenIds, Tensor positions, StepIndices step, PagedKvCache cache, RotaryEmbedding rope, Tensor? rowsToKeep)
    {
        using var scope = NewDisposeScope();
        var x = embed_tokens.forward(tokenIds);
        if (x.dtype != _dtype) x = x.to(_dtype);
        for (int i = 0; i < layers.Count; i++)
            x = layers[i].Forward(x, positions, step, i, cache, rope);
        // Only rows whose logits are wanted go through the final norm and the (vocabulary-sized) head.
        if (rowsToKeep is not null) x = x.index_select(0, rowsToKeep);
        return norm.forward(x).MoveToOuterDisposeScope();
    }
}
