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
    public Tensor Forward(Tensor x, Tensor positions, ForwardBatch batch, int layer, PagedKvCache cache, RotaryEmbedding rope)
    {
        using var scope = NewDisposeScope();
        long tokens = x.shape[0];
        var q = q_proj.forward(x).view(tokens, _heads, _headDim);
        var k = k_proj.forward(x).view(tokens, _kvHeads, _headDim);
        var v = v_proj.forward(x).view(tokens, _kvHeads, _headDim);
        if (q_norm is not null && k_norm is not null)
        {
            q = q_norm.forward(q);
            k = k_norm.forward(k);
        }
        q = rope.Apply(q, positions);
        k = rope.Apply(k, positions);

        int group = _heads / _kvHeads;
        var output = empty([tokens, _heads * _headDim], x.dtype, x.device);
        long offset = 0;
        foreach (var segment in batch.Segments)
        {
            int n = segment.TokenCount;
            cache.Write(layer, segment.BlockTable, segment.StartPosition, k.narrow(0, offset, n), v.narrow(0, offset, n));
            int length = segment.StartPosition + n;
            var (keys, values) = cache.Read(layer, segment.BlockTable, length);
            // [n, heads, d] -> [kvHeads, group * n, d]: query head h belongs to KV head h / group.
            var queries = q.narrow(0, offset, n).permute(1, 0, 2).reshape(_kvHeads, group * n, _headDim);
            var mask = AttentionMask(segment, length, group, x.device);
            var attended = nn.functional.scaled_dot_product_attention(queries, keys, values, mask, 0.0, false);
            output.narrow(0, offset, n).copy_(attended.reshape(_heads, n, _headDim).permute(1, 0, 2).reshape(n, _heads * _headDim));
            offset += n;
        }
        return o_proj.forward(output).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Causal (and sliding-window) visibility of the cached positions for each query row, or null when every
    /// cached position is visible (a decode step inside the window), which lets SDPA take its fastest path.
    /// </summary>
    private Tensor? AttentionMask(ForwardSegment segment, int length, int group, Device device)
    {
        int n = segment.TokenCount;
        bool windowed = _slidingWindow is int w && length > w;
        if (n == 1 && !windowed) return null;
        var queryPositions = arange(segment.StartPosition, segment.StartPosition + n, int64, device).unsqueeze(1);
        var keyPositions = arange(0, length, int64, device).unsqueeze(0);
        var visible = keyPositions <= queryPositions;
        if (_slidingWindow is int window)
            visible = visible & (queryPositions - keyPositions < window);
        return visible.unsqueeze(0).expand(group, n, length).reshape(group * n, length);
    }
}
