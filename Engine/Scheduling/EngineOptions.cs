namespace Cluster.Engine.Scheduling;

/// <summary>Capacity and pacing of one device's inference engine.</summary>
public sealed record EngineOptions
{
    /// <summary>Sequences that can run at once (KV-cache slots). Requests beyond it wait, first come first served.</summary>
    public int MaxSequences { get; init; } = 16;

    /// <summary>Prompt plus generated tokens one sequence may hold; bounded by the model's position table.</summary>
    public int MaxSequenceLength { get; init; } = 2048;

    /// <summary>
    /// Tokens one step may process. Decodes take one each first; prompt prefill fills the rest in chunks, so a
    /// long prompt never stalls the sequences already generating.
    /// </summary>
    public int MaxTokensPerStep { get; init; } = 256;

    /// <summary>Torch intra-op threads; null leaves libtorch's default. Process-wide in libtorch.</summary>
    public int? Threads { get; init; }
}
