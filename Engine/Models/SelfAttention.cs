using Cluster.Engine.KvCache;
using Cluster.Engine.ModelFiles;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Cluster.Engine.Models;

/// <summary>
/// Grouped-query self-attention over a preallocated KV cache. Query heads are folded into their KV group
/// ([kvHeads, group * tokens, headDim]) so keys and values are never repeated or copied per step.
/// </summary>
internal sealed class SelfAttention : nn.Module
{
#pragma warning disable IDE1006 // field names are the checkpoint's tensor names
    private readonly Linear q_proj;
    private readonly Linear k_proj;
    private readonly Linear v_proj;
    private readonly Linear o_proj;
    private readonly RmsNorm? q_norm;
    private readonly RmsNorm? k_norm;
#pragma warning restore IDE1006
    // q, k and v projections as one matrix once loaded (FuseProjections): one product per layer instead of three.
    private Tensor? _qkvWeight;
    private Tensor? _qkvBias;
    private readonly int _heads;
    private readonly int _kvHeads;
    private readonly int _headDim;
    private readonly int? _slidingWindow;

    public SelfAttention(ModelConfig config) : base(nameof(SelfAttention))
    {
        _heads = config.NumAttentionHeads;
        _kvHeads = config.NumKeyValueHeads;
        _headDim = config.HeadDim;
        _slidingWindow = config.SlidingWindow;
        bool bias = config.AttentionBias;
        q_proj = nn.Linear(config.HiddenSize, _heads * _headDim, hasBias: bias);
        k_proj = nn.Linear(config.HiddenSize, _kvHeads * _headDim, hasBias: bias);
        v_proj = nn.Linear(config.HiddenSize, _kvHeads * _headDim, hasBias: bias);
        o_proj = nn.Linear(_heads * _headDim, config.HiddenSize, hasBias: false);
        if (config.ModelType == "qwen3")
        {
            q_norm = new RmsNorm(_headDim, config.RmsNormEps);
            k_norm = new RmsNorm(_headDim, config.RmsNormEps);
        }
        RegisterComponents();
    }

    /// <param name="x">[tokens, hidden] for every token of the step.</param>
    public Tensor Forward(Tensor x, Tensor positions, StepIndices step, int layer, PagedKvCache cache, RotaryEmbedding rope)
    {
        using var scope = NewDisposeScope();
        long tokens = x.shape[0];
        long qWidth = _heads * _headDim, kvWidth = _kvHeads * _headDim;
        var weight = _qkvWeight ?? throw new InvalidOperationException("The weights are not loaded (LoadWeights fuses the projections).");
        var qkv = DecodeGemv.Forward(weight, _qkvBias, x);
        var q = qkv.narrow(1, 0, qWidth).view(tokens, _heads, _headDim);
        var k = qkv.narrow(1, qWidth, kvWidth).view(tokens, _kvHeads, _headDim);
        var v = qkv.narrow(1, qWidth + kvWidth, kvWidth).view(tokens, _kvHeads, _headDim);
        if (q_norm is not null && k_norm is not null)
        {
            q = q_norm.forward(q);
            k = k_norm.forward(k);
        }
        q = rope.Apply(q, positions);
        k = rope.Apply(k, positions);
        cache.Write(layer, step.WriteSlots, k, v);

        int group = _heads / _kvHeads;
        var output = empty([tokens, _heads * _headDim], x.dtype, x.device);
        if (step.DecodeCount > 0)
        {
            // Every decode at once: [decodes, kvHeads, group, d] queries against their padded, masked cached positions.
            int decodes = step.DecodeCount, length = step.DecodeLength;
            var (keys, values) = cache.Gather(layer, step.DecodeGather!);
            keys = keys.view(decodes, length, _kvHeads, _headDim).permute(0, 2, 1, 3);
            values = values.view(decodes, length, _kvHeads, _headDim).permute(0, 2, 1, 3);
            var queries = q.index_select(0, step.DecodeRows!).view(decodes, _kvHeads, group, _headDim);
            var attended = nn.functional.scaled_dot_product_attention(queries, keys, values, step.DecodeMask, 0.0, false);
            output.index_copy_(0, step.DecodeRows!, attended.reshape(decodes, _heads * _headDim));
        }
        foreach (var segment in step.Prefills)
        {
            var (keys, values) = cache.Gather(layer, segment.Slots);
            // [length, kvHeads, d] -> [kvHeads, length, d]: head h reads KV head h / group.
            keys = keys.permute(1, 0, 2);
            values = values.permute(1, 0, 2);
            // A long prompt attends in blocks of queries, each over the keys up to its last position: the score matrix
            // of one block stays cache-sized, where a 2,048-token chunk at once built a [kvHeads, group × 2,048, 2,048]
            // matrix per layer and ran 2.8× slower than the same prompt in chunks of 256.
            for (int first = 0; first < segment.TokenCount; first += QueryBlock)
            {
                int n = Math.Min(QueryBlock, segment.TokenCount - first), start = segment.StartPosition + first, length = start + n;
                // Queries [n, heads, d] -> [kvHeads, group * n, d].
                var queries = q.narrow(0, segment.Row + first, n).permute(1, 0, 2).reshape(_kvHeads, group * n, _headDim);
                var mask = AttentionMask(start, n, length, group, x.device);
                var attended = nn.functional.scaled_dot_product_attention(queries, keys.narrow(1, 0, length), values.narrow(1, 0, length), mask, 0.0, false);
                output.narrow(0, segment.Row + first, n).copy_(attended.reshape(_heads, n, _headDim).permute(1, 0, 2).reshape(n, _heads * _headDim));
            }
        }
        return DecodeGemv.Forward(o_proj, output).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Concatenates the loaded q, k and v weights (and biases) into one matrix and points the three projections at
    /// views of it, so the weights stay in memory once while a step computes all three in one product.
    /// </summary>
    internal void FuseProjections()
    {
        using var noGrad = no_grad();
        long qWidth = _heads * _headDim, kvWidth = _kvHeads * _headDim;
        _qkvWeight = cat([q_proj.weight!, k_proj.weight!, v_proj.weight!], 0);
        ParameterReplacement.Replace(q_proj, _qkvWeight.narrow(0, 0, qWidth), bias: false);
        ParameterReplacement.Replace(k_proj, _qkvWeight.narrow(0, qWidth, kvWidth), bias: false);
        ParameterReplacement.Replace(v_proj, _qkvWeight.narrow(0, qWidth + kvWidth, kvWidth), bias: false);
        if (q_proj.bias is not null && k_proj.bias is not null && v_proj.bias is not null)
        {
            _qkvBias = cat([q_proj.bias, k_proj.bias, v_proj.bias], 0);
            ParameterReplacement.Replace(q_proj, _qkvBias.narrow(0, 0, qWidth), bias: true);
            ParameterReplacement.Replace(k_proj, _qkvBias.narrow(0, qWidth, kvWidth), bias: true);
            ParameterReplacement.Replace(v_proj, _qkvBias.narrow(0, qWidth + kvWidth, kvWidth), bias: true);
        }
    }

    /// <summary>Queries of a prefill that attend together (see the prefill loop of <see cref="Forward"/>).</summary>
    internal const int QueryBlock = 256;

    /// <summary>
    /// Causal (and sliding-window) visibility of the cached positions for each query row of a prompt chunk.
    /// </summary>
    private Tensor AttentionMask(int start, int n, int length, int group, Device device)
    {
        var queryPositions = arange(start, start + n, int64, device).unsqueeze(1);
        var keyPositions = arange(0, length, int64, device).unsqueeze(0);
        var visible = keyPositions <= queryPositions;
        if (_slidingWindow is int window)
            visible = visible & (queryPositions - keyPositions < window);
        return visible.unsqueeze(0).expand(group, n, length).reshape(group * n, length);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _qkvWeight?.Dispose();
            _qkvBias?.Dispose();
        }
        base.Dispose(disposing);
    }
}
