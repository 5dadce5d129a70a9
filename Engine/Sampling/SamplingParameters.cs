namespace Cluster.Engine.Sampling;

/// <summary>
/// Per-sequence sampling settings, named as OpenAI and vLLM name the request fields.
/// A temperature of 0 means greedy decoding.
/// </summary>
public sealed record SamplingParameters
{
    public static SamplingParameters Greedy { get; } = new() { Temperature = 0 };

    public float Temperature { get; init; } = 1f;

    /// <summary>Nucleus mass in (0, 1]; 1 disables it.</summary>
    public float TopP { get; init; } = 1f;

    /// <summary>Keep the k most likely tokens; 0 or less disables it.</summary>
    public int TopK { get; init; }

    /// <summary>Drop tokens whose probability is below this fraction of the most likely one; 0 disables it.</summary>
    public float MinP { get; init; }

    /// <summary>Same seed, same prompt, same settings → same output, whatever else shares the batch.</summary>
    public ulong? Seed { get; init; }
}
