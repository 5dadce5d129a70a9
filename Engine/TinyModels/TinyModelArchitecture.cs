namespace Cluster.Engine.TinyModels;

/// <summary>The model families the tiny-model generator writes, named by their Hugging Face <c>model_type</c>.</summary>
public enum TinyModelArchitecture
{
    Llama,
    Mistral,
    Qwen2,
    Qwen3,
}

/// <summary>Conversions between <see cref="TinyModelArchitecture"/> and <c>model_type</c> strings.</summary>
public static class TinyModelArchitectures
{
    /// <summary>The <c>model_type</c> string: llama, mistral, qwen2, qwen3.</summary>
    public static string ModelType(this TinyModelArchitecture architecture) => architecture.ToString().ToLowerInvariant();

    /// <summary>Parses a <c>model_type</c> string (case-insensitive).</summary>
    /// <exception cref="ArgumentException">Not one of llama, mistral, qwen2, qwen3.</exception>
    public static TinyModelArchitecture Parse(string modelType) =>
        Enum.TryParse<TinyModelArchitecture>(modelType, ignoreCase: true, out var architecture) && Enum.IsDefined(architecture)
            ? architecture
            : throw new ArgumentException($"Unknown architecture '{modelType}' (expected llama, mistral, qwen2 or qwen3).");
}
