using Cluster.Engine.ModelFiles;
using TorchSharp;
using static TorchSharp.torch;

namespace Cluster.Training;

/// <summary>
/// The engine's decoder (Qwen2: RMSNorm, rotary "rotate half" positions, q/k/v bias, SwiGLU, tied embeddings) as a
/// differentiable batch forward over whole padded sequences, reading parameters by their checkpoint names.
/// </summary>
internal sealed class TrainingDecoder
{
    private readonly ModelConfig _config;
    private readonly IReadOnlyDictionary<string, TorchSharp.Modules.Parameter> _w;
    private readonly Tensor _cos, _sin;

    public TrainingDecoder(ModelConfig config, IReadOnlyDictionary<string, TorchSharp.Modules.Parameter> weights, int maxPositions)
    {
        _config = config;
        _w = weights;
        int dim = config.HeadDim;
        var cos = new float[maxPositions * dim];
        var sin = new float[maxPositions * dim];
        for (int p = 0; p < maxPositions; p++)
        {
            for (int i = 0; i < dim / 2; i++)
            {
                // As the engine's RotaryEmbedding: the angle rounded once to fp32.
                float angle = (float)p * (float)(1.0 / Math.Pow(config.RopeTheta, 2.0 * i / dim));
                cos[p * dim + i] = cos[p * dim + i + dim / 2] = MathF.Cos(angle);
                sin[p * dim + i] = sin[p * dim + i + dim / 2] = MathF.Sin(angle);
            }
        }
        _cos = tensor(cos, [maxPositions, dim]);
        _sin = tensor(sin, [maxPositions, dim]);
    }

    private Tensor RmsNorm(Tensor x, string weight) => x * rsqrt(x.pow(2).mean([-1L], keepdim: true) + _config.RmsNormEps) * _w[weight];

    private Tensor Rotate(Tensor x, Tensor cos, Tensor sin)
    {
        long half = x.shape[^1] / 2;
        return x * cos + cat([-x.narrow(-1, half, half), x.narrow(-1, 0, half)], -1) * sin;
    }

    /// <summary>Logits [batch, tokens, vocab] for <paramref name="ids"/> [batch, tokens].</summary>
    public Tensor Logits(Tensor ids) => Head(Hidden(ids));

    /// <summary>The last layer's output [batch, tokens, hidden], before the final norm.</summary>
    private Tensor Hidden(Tensor ids)
    {
        long batch = ids.shape[0], length = ids.shape[1];
        int heads = _config.NumAttentionHeads, kvHeads = _config.NumKeyValueHeads, d = _config.HeadDim;
        var cos = _cos.narrow(0, 0, length).view(1, 1, length, d);
        var sin = _sin.narrow(0, 0, length).view(1, 1, length, d);
        var x = _w["model.embed_tokens.weight"].index_select(0, ids.reshape(-1)).view(batch, length, -1);
        for (int layer = 0; layer < _config.NumHiddenLayers; layer++)
        {
            string p = $"model.layers.{layer}.";
            var h = RmsNorm(x, p + "input_layernorm.weight");
            Tensor Project(string name, int count) => nn.functional.linear(h, _w[p + $"self_attn.{name}.weight"], _w.GetValueOrDefault(p + $"self_attn.{name}.bias"))
                .view(batch, length, count, d).transpose(1, 2);
            var q = Rotate(Project("q_proj", heads), cos, sin);
            var k = Rotate(Project("k_proj", kvHeads), cos, sin);
            var v = Project("v_proj", kvHeads);
            if (kvHeads != heads)
            {
                k = k.repeat_interleave(heads / kvHeads, 1);
                v = v.repeat_interleave(heads / kvHeads, 1);
            }
            var attended = nn.functional.scaled_dot_product_attention(q, k, v, null, 0.0, true).transpose(1, 2).reshape(batch, length, heads * d);
            x = x + nn.functional.linear(attended, _w[p + "self_attn.o_proj.weight"]);
            h = RmsNorm(x, p + "post_attention_layernorm.weight");
            var mlp = nn.functional.silu(nn.functional.linear(h, _w[p + "mlp.gate_proj.weight"])) * nn.functional.linear(h, _w[p + "mlp.up_proj.weight"]);
            x = x + nn.functional.linear(mlp, _w[p + "mlp.down_proj.weight"]);
        }
        return x;
    }

    /// <summary>The final norm and the LM head over hidden states of any shape [..., hidden].</summary>
    private Tensor Head(Tensor x) => nn.functional.linear(RmsNorm(x, "model.norm.weight"), _w.GetValueOrDefault("lm_head.weight") ?? _w["model.embed_tokens.weight"]);

    /// <summary>Mean cross-entropy of the next token over the positions each example learns.</summary>
    public Tensor Loss(IReadOnlyList<DemoExample> examples)
    {
        int length = examples.Max(e => e.TokenIds.Length);
        var ids = new long[examples.Count * length];
        var mask = new float[examples.Count * length];
        for (int b = 0; b < examples.Count; b++)
        {
            for (int t = 0; t < examples[b].TokenIds.Length; t++)
            {
                ids[b * length + t] = examples[b].TokenIds[t];
                bool learn = examples[b].Learn[t];
                mask[b * length + t] = !learn ? 0f : t > 0 && examples[b].Learn[t - 1] ? 1f : FirstTokenWeight;
            }
        }
        var input = tensor(ids, [examples.Count, length]);
        // The LM head only where a next token is learned (the replies, a fifth of the tokens), not over the prompts.
        var weights = tensor(mask, [examples.Count, length]).narrow(1, 1, length - 1).reshape(-1);
        var learned = weights.nonzero().squeeze(1);
        var hidden = Hidden(input).narrow(1, 0, length - 1).reshape(-1, _config.HiddenSize).index_select(0, learned);
        var targets = input.narrow(1, 1, length - 1).reshape(-1).index_select(0, learned);
        var learnedWeights = weights.index_select(0, learned);
        return (nn.functional.cross_entropy(Head(hidden), targets, reduction: nn.Reduction.None) * learnedWeights).sum() / learnedWeights.sum();
    }

    /// <summary>
    /// The weight of a learned span's first token against 1 for the rest. A reply's first token decides between a call
    /// and text, a copied value's first token where the value is found (the rest follows by copying); each is one token
    /// among the dozens of its span, and both are where the demo model's held-out requests fail.
    /// </summary>
    public const float FirstTokenWeight = 4f;
}
