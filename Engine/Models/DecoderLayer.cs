using Cluster.Engine.KvCache;
using Cluster.Engine.ModelFiles;
using static TorchSharp.torch;

namespace Cluster.Engine.Models;

/// <summary>Pre-norm decoder block: x + attn(norm(x)), then x + mlp(norm(x)).</summary>
internal sealed class DecoderLayer : nn.Module
{
#pragma warning disable IDE1006 // field names are the checkpoint's tensor names
    private readonly SelfAttention self_attn;
    private readonly Mlp mlp;
    private readonly RmsNorm input_layernorm;
    private readonly RmsNorm post_attention_layernorm;
#pragma warning restore IDE1006

    public DecoderLayer(ModelConfig config) : base(nameof(DecoderLayer))
    {
        self_attn = new SelfAttention(config);
        mlp = new Mlp(config);
        input_layernorm = new RmsNorm(config.HiddenSize, config.RmsNormEps);
        post_attention_layernorm = new RmsNorm(config.HiddenSize, config.RmsNormEps);
        RegisterComponents();
    }

    /// <summary>Fuses the loaded q/k/v and gate/up projections (see <see cref="SelfAttention.FuseProjections"/>).</summary>
    internal void FuseProjections()
    {
        self_attn.FuseProjections();
        mlp.FuseProjections();
    }

    public Tensor Forward(Tensor x, Tensor positions, StepIndices step, int layer, PagedKvCache cache, RotaryEmbedding rope)
    {
        using var scope = NewDisposeScope();
        var h = x + self_attn.Forward(input_layernorm.forward(x), positions, step, layer, cache, rope);
        return (h + mlp.forward(post_attention_layernorm.forward(h))).MoveToOuterDisposeScope();
    }
}
