using System.Text.Json;

namespace Cluster.Engine.ModelFiles;

/// <summary>
/// The architecture hyper-parameters of a Hugging Face decoder-only model, read from its <c>config.json</c>.
/// Supports the Llama family layout: <c>llama</c>, <c>mistral</c>, <c>qwen2</c> and <c>qwen3</c>.
/// </summary>
public sealed record ModelConfig
{
    /// <summary>The <c>model_type</c> values this engine can run.</summary>
    public static IReadOnlyList<string> SupportedModelTypes { get; } = ["llama", "mistral", "qwen2", "qwen3"];

    /// <summary><c>model_type</c>, lower case: llama, mistral, qwen2 or qwen3.</summary>
    public required string ModelType { get; init; }

    /// <summary><c>architectures[0]</c>, e.g. <c>Qwen2ForCausalLM</c>, when present.</summary>
    public string? Architecture { get; init; }

    /// <summary>Rows of the embedding and LM-head matrices (may exceed the tokenizer's size: real models pad).</summary>
    public required int VocabSize { get; init; }

    public required int HiddenSize { get; init; }

    public required int IntermediateSize { get; init; }

    public required int NumHiddenLayers { get; init; }

    public required int NumAttentionHeads { get; init; }

    /// <summary>Key/value heads for grouped-query attention; equals <see cref="NumAttentionHeads"/> when the config omits it.</summary>
    public required int NumKeyValueHeads { get; init; }

    /// <summary>Per-head dimension: <c>head_dim</c> when given (Qwen3 sets it independently), else hidden / heads.</summary>
    public required int HeadDim { get; init; }

    public required double RmsNormEps { get; init; }

    /// <summary>Rotary base frequency; 10000 when the config omits it.</summary>
    public required double RopeTheta { get; init; }

    /// <summary>Rotary scaling, or null for plain RoPE.</summary>
    public RopeScaling? RopeScaling { get; init; }

    public required int MaxPositionEmbeddings { get; init; }

    /// <summary>True when the LM head reuses the embedding matrix (no <c>lm_head.weight</c> tensor).</summary>
    public required bool TieWordEmbeddings { get; init; }

    /// <summary>Whether q/k/v projections carry biases. Qwen2 always has them, whatever the config says.</summary>
    public required bool AttentionBias { get; init; }

    /// <summary>Sliding-window attention span, or null for full attention (Qwen2 only when <c>use_sliding_window</c>).</summary>
    public int? SlidingWindow { get; init; }

    public int? BosTokenId { get; init; }

    /// <summary>End-of-sequence ids (<c>eos_token_id</c> may be one id or a list).</summary>
    public IReadOnlyList<int> EosTokenIds { get; init; } = [];

    /// <summary><c>torch_dtype</c> (or the newer <c>dtype</c>) as written: float32, bfloat16, float16.</summary>
    public string? TorchDtype { get; init; }

    /// <summary>Reads and validates <c>config.json</c>.</summary>
    /// <param name="path">The config file, or the model folder that holds it.</param>
    /// <exception cref="NotSupportedException">The model_type is not one this engine runs.</exception>
    /// <exception cref="InvalidDataException">A required field is missing or inconsistent.</exception>
    public static ModelConfig Load(string path)
    {
        if (Directory.Exists(path))
        {
            path = System.IO.Path.Combine(path, "config.json");
        }
        using var document = JsonElementReading.ParseFile(path);
        return Parse(document.RootElement, path);
    }

    /// <summary>Parses the JSON text of a <c>config.json</c>.</summary>
    public static ModelConfig Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        return Parse(document.RootElement, "config.json");
    }

    private static ModelConfig Parse(JsonElement root, string source)
    {
        var modelType = root.String("model_type")?.ToLowerInvariant()
            ?? throw new InvalidDataException($"{source}: no model_type.");
        if (!SupportedModelTypes.Contains(modelType))
        {
            throw new NotSupportedException(
                $"{source}: model_type '{modelType}' is not supported (supported: {string.Join(", ", SupportedModelTypes)}).");
        }

        int Required(string name) => root.Int(name) ?? throw new InvalidDataException($"{source}: no {name}.");

        var hidden = Required("hidden_size");
        var heads = Required("num_attention_heads");
        if (heads <= 0 || (root.Int("head_dim") is null && hidden % heads != 0))
        {
            throw new InvalidDataException($"{source}: hidden_size {hidden} is not divisible by num_attention_heads {heads}.");
        }
        var kvHeads = root.Int("num_key_value_heads") ?? heads;
        if (kvHeads <= 0 || heads % kvHeads != 0)
        {
            throw new InvalidDataException($"{source}: num_attention_heads {heads} is not a multiple of num_key_value_heads {kvHeads}.");
        }

        int? slidingWindow = modelType switch
        {
            // Qwen2 configs carry a sliding_window value even when the feature is off.
            "qwen2" or "qwen3" => root.Bool("use_sliding_window") == true ? root.Int("sliding_window") : null,
            _ => root.Int("sliding_window"),
        };

        return new ModelConfig
        {
            ModelType = modelType,
            Architecture = root.Field("architectures") is { ValueKind: JsonValueKind.Array } archs && archs.GetArrayLength() > 0
                ? archs[0].GetString()
                : null,
            VocabSize = Required("vocab_size"),
            HiddenSize = hidden,
            IntermediateSize = Required("intermediate_size"),
            NumHiddenLayers = Required("num_hidden_layers"),
            NumAttentionHeads = heads,
            NumKeyValueHeads = kvHeads,
            HeadDim = root.Int("head_dim") ?? hidden / heads,
            RmsNormEps = root.Double("rms_norm_eps") ?? 1e-6,
            RopeTheta = root.Double("rope_theta") ?? 10000.0,
            RopeScaling = ParseRopeScaling(root.Field("rope_scaling")),
            MaxPositionEmbeddings = root.Int("max_position_embeddings") ?? 2048,
            TieWordEmbeddings = root.Bool("tie_word_embeddings") ?? false,
            AttentionBias = modelType == "qwen2" || (root.Bool("attention_bias") ?? false),
            SlidingWindow = slidingWindow,
            BosTokenId = root.Int("bos_token_id"),
            EosTokenIds = root.IntOrIntList("eos_token_id"),
            TorchDtype = root.String("torch_dtype") ?? root.String("dtype"),
        };
    }

    private static RopeScaling? ParseRopeScaling(JsonElement? element)
    {
        if (element is not { ValueKind: JsonValueKind.Object } scaling)
        {
            return null;
        }
        // Older configs spell the scheme "type", newer ones "rope_type"; "default" means no scaling at all.
        var type = scaling.String("rope_type") ?? scaling.String("type") ?? "default";
        if (type == "default")
        {
            return null;
        }
        return new RopeScaling(
            type,
            scaling.Double("factor") ?? 1.0,
            scaling.Double("low_freq_factor"),
            scaling.Double("high_freq_factor"),
            scaling.Int("original_max_position_embeddings"));
    }
}
