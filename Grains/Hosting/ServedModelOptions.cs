namespace Cluster.Grains.Hosting;

/// <summary>What a silo serves: one model folder on one device (the CPU here), and the engine's capacity.</summary>
public sealed record ServedModelOptions
{
    /// <summary>A Hugging Face model folder (config.json, safetensors, tokenizer.json, tokenizer_config.json).</summary>
    public required string ModelPath { get; init; }

    /// <summary>The name clients put in <c>model</c>; defaults to the folder's name.</summary>
    public string? ServedModelName { get; init; }

    /// <summary>Device this silo runs the model on.</summary>
    public string Device { get; init; } = "cpu:0";

    public int MaxSequences { get; init; } = 16;

    /// <summary><c>--max-model-len</c>: prompt plus completion tokens per sequence.</summary>
    public int MaxModelLength { get; init; } = 2048;

    public int MaxTokensPerStep { get; init; } = 256;

    /// <summary><c>--threads</c>: torch intra-op threads.</summary>
    public int? Threads { get; init; }

    public string EffectiveName => ServedModelName ?? Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(ModelPath)));
}
