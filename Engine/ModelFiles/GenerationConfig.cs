using System.Text.Json;

namespace Cluster.Engine.ModelFiles;

/// <summary>
/// A model's default sampling settings from <c>generation_config.json</c>. Every field is optional: a request's own
/// parameters win, these fill the gaps, and the engine's defaults fill the rest.
/// </summary>
public sealed record GenerationConfig
{
    /// <summary>A configuration with nothing set (what a folder without the file has).</summary>
    public static GenerationConfig Empty { get; } = new();

    public double? Temperature { get; init; }

    public double? TopP { get; init; }

    public int? TopK { get; init; }

    public double? RepetitionPenalty { get; init; }

    public int? MaxNewTokens { get; init; }

    /// <summary>End-of-sequence ids (one id or a list in the file); null when the file does not say.</summary>
    public IReadOnlyList<int>? EosTokenIds { get; init; }

    public bool? DoSample { get; init; }

    public int? BosTokenId { get; init; }

    /// <summary>Reads the file; a missing file gives <see cref="Empty"/>.</summary>
    /// <param name="path">The generation_config.json file, or the model folder that holds it.</param>
    public static GenerationConfig Load(string path)
    {
        if (Directory.Exists(path))
        {
            path = Path.Combine(path, "generation_config.json");
        }
        if (!File.Exists(path))
        {
            return Empty;
        }
        using var document = JsonElementReading.ParseFile(path);
        var root = document.RootElement;
        var eos = root.IntOrIntList("eos_token_id");
        return new GenerationConfig
        {
            Temperature = root.Double("temperature"),
            TopP = root.Double("top_p"),
            TopK = root.Int("top_k"),
            RepetitionPenalty = root.Double("repetition_penalty"),
            MaxNewTokens = root.Int("max_new_tokens"),
            EosTokenIds = eos.Count > 0 ? eos : null,
            DoSample = root.Bool("do_sample"),
            BosTokenId = root.Int("bos_token_id"),
        };
    }
}
