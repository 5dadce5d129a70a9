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
    /// KV-cache budget in tokens across all sequences. Null: enough for every sequence at full length, capped by
    /// <see cref="KvCacheBytes"/>. Sequences that do not fit wait; under pressure the newest is preempted.
    /// </summary>
    public int? KvCacheTokens { get; init; }

    /// <summary>KV-cache budget in bytes (used when <see cref="KvCacheTokens"/> is null).</summary>
    public long KvCacheBytes { get; init; } = 4L << 30;

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
    /// Torch intra-op threads (<c>--threads</c>); process-wide in libtorch. Null: one core fewer than the machine has
    /// (at least one), leaving a core to the .NET threads that serve HTTP and Orleans: libtorch's OpenMP workers spin
    /// while waiting, and on a small machine they starve those threads (measured by bench/Engine.Bench).
    /// </summary>
    public int? Threads { get; init; }

    /// <summary>The served model name the engine's metrics and spans are labelled with (<c>model_name</c>).</summary>
    public string ModelName { get; init; } = "";
}
