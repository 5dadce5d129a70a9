using System.Runtime.InteropServices;
using Cluster.Engine.KvCache;
using Cluster.Engine.ModelFiles;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Cluster.Engine.Models;

/// <summary>
/// A decoder-only transformer with a language-model head, covering the Llama family of checkpoints
/// (<c>llama</c>, <c>mistral</c>, <c>qwen2</c>, <c>qwen3</c>): their differences are configuration switches
/// (attention bias, q/k norm, sliding window, tied embeddings, rope scaling), not separate code.
/// Field names equal the checkpoint's tensor names, so <see cref="LoadWeights"/> is strict and complete.
/// </summary>
public sealed class CausalLanguageModel : nn.Module
{
#pragma warning disable IDE1006 // field names are the checkpoint's tensor names
    private readonly TransformerModel model;
    private readonly Linear? lm_head;
#pragma warning restore IDE1006
    private readonly RotaryEmbedding _rope;

    /// <param name="dtype">Activations' type on the device (fp32 on CPU), and the weights' unless <paramref name="matrixDtype"/> says otherwise.</param>
    /// <param name="matrixDtype">
    /// A narrower type for the matrices (every projection, the embeddings, the head): bf16 on the CPU halves what a
    /// decode step reads. Norm weights, biases and rotary tables keep <paramref name="dtype"/>.
    /// </param>
    public CausalLanguageModel(ModelConfig config, int maxPositions, Device device, ScalarType dtype = ScalarType.Float32, ScalarType? matrixDtype = null)
        : base(nameof(CausalLanguageModel))
    {
        if (!ModelConfig.SupportedModelTypes.Contains(config.ModelType))
            throw new NotSupportedException($"model_type '{config.ModelType}' is not supported; supported: {string.Join(", ", ModelConfig.SupportedModelTypes)}.");
        Config = config;
        model = new TransformerModel(config, dtype);
        if (!config.TieWordEmbeddings) lm_head = nn.Linear(config.HiddenSize, config.VocabSize, hasBias: false);
        RegisterComponents();
        _rope = new RotaryEmbedding(config, maxPositions, device, dtype);
        this.to(dtype).to(device);
        if (matrixDtype is { } matrices && matrices != dtype) StoreMatricesAs(matrices);
        eval();
    }

    private void StoreMatricesAs(ScalarType matrices)
    {
        using var noGrad = no_grad();
        foreach (var (_, module) in named_modules().ToList())
        {
            if (module is Linear linear) ParameterReplacement.Replace(linear, linear.weight!.to(matrices), bias: false);
            else if (module is Embedding embedding) ParameterReplacement.Replace(embedding, embedding.weight!.to(matrices));
        }
    }

    public ModelConfig Config { get; }

    /// <summary>
    /// Runs one step. Keys/values of every token are written to the cache; returns logits [rows, vocab] in fp32
    /// for the last token of each segment with <see cref="ForwardSegment.NeedsLogits"/>, in segment order.
    /// </summary>
    public Tensor Forward(ForwardBatch batch, PagedKvCache cache)
    {
        using var scope = NewDisposeScope();
        var device = model.embed_tokens.weight!.device;
        var ids = tensor(batch.TokenIds.Select(i => (long)i).ToArray(), int64, device);
        var positions = tensor(batch.Positions(), int64, device);
        var rows = new List<long>();
        long end = 0;
        foreach (var s in batch.Segments)
        {
            end += s.TokenCount;
            if (s.NeedsLogits) rows.Add(end - 1);
        }
        var keep = tensor(rows.ToArray(), int64, device);
        using var step = new StepIndices(batch, cache, Config.SlidingWindow, device);
        var hidden = model.Forward(ids, positions, step, cache, _rope, keep);
        var head = lm_head is null ? model.embed_tokens.weight! : lm_head.weight!;
        return DecodeGemv.Forward(head, null, hidden).to(float32).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Copies every parameter from the checkpoint, converting dtype as needed. Fails if a parameter is missing,
    /// has another shape, or if the checkpoint holds tensors the model has no place for.
    /// </summary>
    public void LoadWeights(ModelWeights weights, IProgress<double>? progress = null)
    {
        using var noGrad = no_grad();
        var parameters = named_parameters().ToList();
        var unused = new HashSet<string>(weights.Names);
        int done = 0;
        foreach (var (name, parameter) in parameters)
        {
            if (!weights.TryGetTensor(name, out var info, out var file))
                throw new InvalidDataException($"checkpoint has no tensor '{name}'");
            if (!info.Shape.SequenceEqual(parameter.shape))
                throw new InvalidDataException($"tensor '{name}' has shape [{string.Join(", ", info.Shape)}], the model expects [{string.Join(", ", parameter.shape)}]");
            using (var source = empty(info.Shape, ToScalarType(info.DType)))
            {
                // The mapping is read-only; TorchSharp's setter only copies from the span, so widening it is safe.
                var bytes = file.GetBytes(name);
                source.bytes = MemoryMarshal.CreateSpan(ref MemoryMarshal.GetReference(bytes), bytes.Length);
                parameter.copy_(source);
            }
            unused.Remove(name);
            progress?.Report(++done / (double)parameters.Count);
        }
        // Tied checkpoints sometimes still store lm_head; rotary tables are recomputed, never loaded.
        unused.RemoveWhere(n => n.EndsWith("rotary_emb.inv_freq", StringComparison.Ordinal) || (lm_head is null && n == "lm_head.weight"));
        if (unused.Count > 0)
            throw new InvalidDataException($"checkpoint tensors not used by the model: {string.Join(", ", unused.Take(5))}{(unused.Count > 5 ? ", …" : "")}");
        model.FuseProjections();
    }

    private static ScalarType ToScalarType(SafetensorsDType dtype) => dtype switch
    {
        SafetensorsDType.F32 => ScalarType.Float32,
        SafetensorsDType.F16 => ScalarType.Float16,
        SafetensorsDType.BF16 => ScalarType.BFloat16,
        _ => throw new NotSupportedException($"weights of dtype {dtype} are not supported"),
    };

    protected override void Dispose(bool disposing)
    {
        if (disposing) _rope.Dispose();
        base.Dispose(disposing);
    }
}
