namespace Cluster.Engine.Scheduling;

/// <summary>Capacity and pacing of one device's inference engine.</summary>
public sealed record EngineOptions
{
    /// <summary>Sequences that may run at once (vLLM's <c>--max-num-seqs</c>). Requests beyond it wait, first come first served.</summary>
    public int MaxSequences { get; init; } = 16;

    /// <summary>Prompt plus generated tokens one sequence may hold (<c>--max-model-len</c>); bounded by the model's positions.</summary>
    public int MaxSequenceLength { get; init; } = 2048;

    /// <summary>
    /// Tokens one step may process. Decodes take one each first; prompt prefill fills the rest in chunks, so a
    /// long prompt never stalls the sequences already generating.
    /// </summary>
    public int MaxTokensPerStep { get; init; } = 256;

    /// <summary>
    /// KV-cache budget in tokens across all sequences. Null: enough for every sequence at full length, capped at
    /// <see cref="KvCacheMemoryFraction"/> of available memory (<see cref="KvCacheBudget"/>). Sequences that do not fit
    /// wait; under pressure the newest is preempted.
    /// </summary>
    public int? KvCacheTokens { get; init; }

    /// <summary>
    /// The KV cache's element type (<c>--kv-cache-dtype</c>, vLLM's flag). <see cref="KvCacheDtype.Auto"/>: fp16 on the
    /// CPU (half the memory and half the bytes a decode step reads; attention still computes in fp32, converting on
    /// write and gather), the model's dtype elsewhere.
    /// </summary>
    public KvCacheDtype KvCacheDtype { get; init; } = KvCacheDtype.Auto;

    /// <summary>
    /// The model's type (<c>--dtype</c>, vLLM's flag). <see cref="ModelDtype.Auto"/>: on the CPU the checkpoint's own
    /// precision, bf16 matrices for a bf16 checkpoint (most Hugging Face models: the values are then exactly the
    /// checkpoint's, in half the memory of fp32) and fp32 otherwise; bf16 on a GPU.
    /// <see cref="ModelDtype.BFloat16"/> on the CPU stores the matrices (projections, embeddings, head) in bf16 — half
    /// the memory and half the bytes a decode step reads — while norms, attention, residuals and every accumulation
    /// stay fp32.
    /// </summary>
    public ModelDtype Dtype { get; init; } = ModelDtype.Auto;

    /// <summary>
    /// The most of the memory available at start the KV cache may take when <see cref="KvCacheTokens"/> is null
    /// (<c>--kv-cache-memory-fraction</c>); the weights, activations and the rest of the process need the remainder.
    /// </summary>
    public double KvCacheMemoryFraction { get; init; } = 0.5;

    /// <summary>
    /// Automatic prefix caching (vLLM's <c>--enable-prefix-caching</c>, on by default): full KV-cache blocks are kept,
    /// keyed by a chained hash of their tokens, and a sequence whose prompt starts with cached blocks reuses them and
    /// prefills only the rest. Off: every sequence prefills its whole prompt.
    /// </summary>
    public bool EnablePrefixCaching { get; init; } = true;

    /// <summary>Positions per KV-cache block.</summary>
    public int BlockSize { get; init; } = 16;

    /// <summary>
    /// Torch device: <c>cpu</c> (fp32 compute) or <c>cuda</c>/<c>cuda:N</c> (bf16 weights and cache; needs the CUDA
    /// backend, <c>-p:TorchBackend=cuda</c>).
    /// </summary>
    public string Device { get; init; } = "cpu";

    /// <summary>
    /// Torch intra-op threads (<c>--threads</c>); process-wide in libtorch. Null: <see cref="NativeThreading.DefaultThreads"/>,
    /// every core, since the process makes OpenMP's workers wait passively (sleep, not spin) unless the user chose
    /// otherwise; with spinning workers one core fewer, which they would otherwise take from HTTP and Orleans.
    /// </summary>
    public int? Threads { get; init; }

    /// <summary>The served model name the engine's metrics and spans are labelled with (<c>model_name</c>).</summary>
    public string ModelName { get; init; } = "";
}

/// <summary>The KV cache's element type (<c>--kv-cache-dtype auto|fp16|bf16|fp32</c>).</summary>
public enum KvCacheDtype
{
    Auto,
    Fp16,
    Bf16,
    Fp32,
}

/// <summary>Parsing and resolving <see cref="KvCacheDtype"/>.</summary>
public static class KvCacheDtypes
{
    /// <summary>vLLM's spellings (<c>auto</c>, <c>fp16</c>/<c>float16</c>/<c>half</c>, <c>bf16</c>/<c>bfloat16</c>, <c>fp32</c>/<c>float32</c>/<c>float</c>).</summary>
    /// <exception cref="ArgumentException">Any other value.</exception>
    public static KvCacheDtype Parse(string value) => value.ToLowerInvariant() switch
    {
        "auto" => KvCacheDtype.Auto,
        "fp16" or "float16" or "half" => KvCacheDtype.Fp16,
        "bf16" or "bfloat16" => KvCacheDtype.Bf16,
        "fp32" or "float32" or "float" => KvCacheDtype.Fp32,
        _ => throw new ArgumentException($"--kv-cache-dtype: '{value}' is not one of auto, fp16, bf16, fp32."),
    };

    /// <summary>The storage type on a device whose model computes in <paramref name="modelDtype"/>.</summary>
    public static TorchSharp.torch.ScalarType Resolve(KvCacheDtype dtype, bool cpu, TorchSharp.torch.ScalarType modelDtype) => dtype switch
    {
        KvCacheDtype.Fp16 => TorchSharp.torch.ScalarType.Float16,
        KvCacheDtype.Bf16 => TorchSharp.torch.ScalarType.BFloat16,
        KvCacheDtype.Fp32 => TorchSharp.torch.ScalarType.Float32,
        _ => cpu ? TorchSharp.torch.ScalarType.Float16 : modelDtype,
    };

    /// <summary>Bytes per element of the storage type.</summary>
    public static int ElementSize(TorchSharp.torch.ScalarType storage) => storage == TorchSharp.torch.ScalarType.Float32 ? 4 : 2;
}

/// <summary>The model's type (<c>--dtype</c>).</summary>
public enum ModelDtype { Auto, Float32, BFloat16, Float16 }

public static class ModelDtypes
{
    /// <summary>vLLM's spellings (<c>auto</c>, <c>float32</c>/<c>float</c>/<c>fp32</c>, <c>bfloat16</c>/<c>bf16</c>, <c>float16</c>/<c>half</c>/<c>fp16</c>).</summary>
    /// <exception cref="ArgumentException">Any other value.</exception>
    public static ModelDtype Parse(string value) => value.ToLowerInvariant() switch
    {
        "auto" => ModelDtype.Auto,
        "float32" or "float" or "fp32" => ModelDtype.Float32,
        "bfloat16" or "bf16" => ModelDtype.BFloat16,
        "float16" or "half" or "fp16" => ModelDtype.Float16,
        _ => throw new ArgumentException($"--dtype: '{value}' is not one of auto, float32, bfloat16, float16."),
    };

    /// <summary>The type activations are computed in and the type the matrices are stored in, on the CPU or a GPU.</summary>
    /// <param name="checkpointDtype">The checkpoint's <c>torch_dtype</c> (<see cref="ModelFiles.ModelConfig.TorchDtype"/>), which <c>auto</c> follows on the CPU.</param>
    /// <exception cref="ArgumentException">float16 on the CPU, where libtorch's half-precision kernels are slow or missing.</exception>
    public static (TorchSharp.torch.ScalarType Compute, TorchSharp.torch.ScalarType Matrices) Resolve(ModelDtype dtype, bool cpu, string? checkpointDtype = null) => (dtype, cpu) switch
    {
        // A bf16 checkpoint loses nothing stored as bf16; an fp16 one would (fewer mantissa bits), so it widens to fp32.
        (ModelDtype.Auto, true) when checkpointDtype is "bfloat16" => (TorchSharp.torch.ScalarType.Float32, TorchSharp.torch.ScalarType.BFloat16),
        (ModelDtype.Auto or ModelDtype.Float32, true) => (TorchSharp.torch.ScalarType.Float32, TorchSharp.torch.ScalarType.Float32),
        (ModelDtype.BFloat16, true) => (TorchSharp.torch.ScalarType.Float32, TorchSharp.torch.ScalarType.BFloat16),
        (ModelDtype.Float16, true) => throw new ArgumentException("--dtype float16 is not supported on the CPU; use bfloat16 or float32."),
        (ModelDtype.Float32, false) => (TorchSharp.torch.ScalarType.Float32, TorchSharp.torch.ScalarType.Float32),
        (ModelDtype.Float16, false) => (TorchSharp.torch.ScalarType.Float16, TorchSharp.torch.ScalarType.Float16),
        _ => (TorchSharp.torch.ScalarType.BFloat16, TorchSharp.torch.ScalarType.BFloat16),
    };
}
