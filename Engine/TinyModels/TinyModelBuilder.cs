using System.Globalization;
using Cluster.Engine.ModelFiles;

namespace Cluster.Engine.TinyModels;

/// <summary>A written tiny model.</summary>
/// <param name="Directory">The model folder.</param>
/// <param name="Config">Its config.json, as read back.</param>
/// <param name="ParameterCount">Number of weights.</param>
/// <param name="WeightFiles">The safetensors files (one, or the shards).</param>
public sealed record TinyModelSummary(string Directory, ModelConfig Config, long ParameterCount, IReadOnlyList<string> WeightFiles);

/// <summary>
/// Writes a complete Hugging Face model folder with deterministic random weights: config.json, generation_config.json,
/// tokenizer.json, tokenizer_config.json (with the family's real chat template) and safetensors weights. The same
/// options always produce byte-identical files; each tensor's values depend only on the seed and its name.
/// </summary>
public static class TinyModelBuilder
{
    /// <summary>Standard deviation of weight initialization (Hugging Face's <c>initializer_range</c>).</summary>
    public const double InitializerRange = 0.02;

    /// <summary>The chat template a model of <paramref name="architecture"/> is written with (the real family's).</summary>
    public static string ChatTemplate(TinyModelArchitecture architecture) => TinyModelResources.ChatTemplate(architecture);

    /// <summary>Writes the model folder and returns what was written.</summary>
    /// <exception cref="ArgumentException">Inconsistent options (see <see cref="TinyModelOptions.Validate"/>).</exception>
    public static TinyModelSummary Write(TinyModelOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var tokenizer = TinyModelTokenizer.For(options.Vocabulary);
        var vocabSize = options.VocabSize ?? tokenizer.VocabSize;
        if (vocabSize < tokenizer.VocabSize)
        {
            throw new ArgumentException($"VocabSize {vocabSize} is smaller than the tokenizer's {tokenizer.VocabSize} tokens.");
        }

        var directory = Path.GetFullPath(options.OutputDirectory);
        Directory.CreateDirectory(directory);
        RemoveOldWeights(directory);

        tokenizer.WriteTokenizerJson(Path.Combine(directory, "tokenizer.json"));
        var configFiles = new TinyModelConfigFiles(tokenizer);
        configFiles.WriteTokenizerConfig(Path.Combine(directory, "tokenizer_config.json"), options);
        configFiles.WriteGenerationConfig(Path.Combine(directory, "generation_config.json"), options.Architecture);
        var configPath = Path.Combine(directory, "config.json");
        configFiles.WriteConfig(configPath, options, vocabSize);

        // Reading our own config back keeps the tensor layout and the config from ever disagreeing.
        var config = ModelConfig.Load(configPath);
        var layout = DecoderCheckpointLayout.For(config);
        var weightFiles = WriteWeights(directory, layout, options);
        return new TinyModelSummary(directory, config, layout.Sum(t => SafetensorsTensorInfo.CountElements(t.Shape)), weightFiles);
    }

    private static List<string> WriteWeights(string directory, IReadOnlyList<(string Name, long[] Shape)> layout, TinyModelOptions options)
    {
        var shards = SplitIntoShards(layout, Math.Min(options.ShardCount, layout.Count));
        var files = new List<string>(shards.Count);
        var weightMap = new SortedDictionary<string, string>(StringComparer.Ordinal);
        long totalBytes = 0;
        for (var s = 0; s < shards.Count; s++)
        {
            var fileName = shards.Count == 1
                ? ModelWeights.SingleFileName
                : string.Create(CultureInfo.InvariantCulture, $"model-{s + 1:D5}-of-{shards.Count:D5}.safetensors");
            var writer = new SafetensorsWriter();
            foreach (var (name, shape) in shards[s])
            {
                writer.Add(name, options.DType, shape, values => FillTensor(name, options.Seed, values));
                weightMap[name] = fileName;
            }
            var path = Path.Combine(directory, fileName);
            totalBytes += writer.Write(path);
            files.Add(path);
        }
        if (shards.Count > 1)
        {
            WriteIndex(Path.Combine(directory, ModelWeights.IndexFileName), totalBytes, weightMap);
        }
        return files;
    }

    private static void FillTensor(string name, long seed, Span<float> values)
    {
        var random = SeededNormalRandom.ForTensor(seed, name);
        // RMSNorm scales start near 1 (HF initializes them to exactly 1; a little noise makes every layer distinct).
        random.FillGaussian(values, DecoderCheckpointLayout.IsNormWeight(name) ? 1.0 : 0.0, InitializerRange);
    }

    /// <summary>Contiguous groups of tensors with roughly equal byte counts, as Hugging Face's sharding produces.</summary>
    private static List<List<(string Name, long[] Shape)>> SplitIntoShards(IReadOnlyList<(string Name, long[] Shape)> layout, int count)
    {
        var total = layout.Sum(t => SafetensorsTensorInfo.CountElements(t.Shape));
        var shards = new List<List<(string, long[])>> { new() };
        long accumulated = 0;
        for (var i = 0; i < layout.Count; i++)
        {
            var remainingTensors = layout.Count - i;
            var remainingShards = count - shards.Count;
            var pastTarget = accumulated >= total * shards.Count / count;
            if (shards[^1].Count > 0 && remainingShards > 0 && (pastTarget || remainingTensors == remainingShards))
            {
                shards.Add(new());
            }
            shards[^1].Add(layout[i]);
            accumulated += SafetensorsTensorInfo.CountElements(layout[i].Shape);
        }
        return shards;
    }

    private static void WriteIndex(string path, long totalBytes, SortedDictionary<string, string> weightMap) =>
        HuggingFaceJsonFile.Write(path, json =>
        {
            json.WriteStartObject("metadata");
            json.WriteNumber("total_size", totalBytes);
            json.WriteEndObject();
            json.WriteStartObject("weight_map");
            foreach (var (name, file) in weightMap)
            {
                json.WriteString(name, file);
            }
            json.WriteEndObject();
        });

    /// <summary>Removes weights of an earlier run so a rewrite with another shard count leaves no stale files.</summary>
    private static void RemoveOldWeights(string directory)
    {
        foreach (var file in Directory.EnumerateFiles(directory, "model*.safetensors*"))
        {
            File.Delete(file);
        }
    }
}
