using Cluster.Engine.ModelFiles;
using Cluster.Engine.TinyModels;

namespace Cluster.Engine.Bench;

/// <summary>The generated models the benchmarks run (random weights, real tokenizer), cached across runs.</summary>
internal static class BenchModels
{
    /// <summary>The roofline model: llama (untied embeddings), ~100M parameters with the default sizes.</summary>
    public static string Roofline(BenchOptions options) => Ensure(options, new TinyModelOptions
    {
        OutputDirectory = "",
        Architecture = TinyModelArchitecture.Llama,
        Seed = 1,
        HiddenSize = options.RooflineHiddenSize,
        IntermediateSize = options.RooflineIntermediateSize,
        NumHiddenLayers = options.RooflineLayers,
        NumAttentionHeads = options.RooflineHeads,
        NumKeyValueHeads = options.RooflineKvHeads,
        VocabSize = options.RooflineVocabSize,
        MaxPositionEmbeddings = 16384, // the prompt-processing table's 2,048-token prompt, the memory table's 16,384 positions
    });

    /// <summary>The small model served through the gateway: qwen2 (tied embeddings), the tokenizer's own vocabulary.</summary>
    public static string Small(BenchOptions options) => Ensure(options, new TinyModelOptions
    {
        OutputDirectory = "",
        Architecture = TinyModelArchitecture.Qwen2,
        Seed = 2,
        HiddenSize = options.SmallHiddenSize,
        IntermediateSize = options.SmallIntermediateSize,
        NumHiddenLayers = options.SmallLayers,
        NumAttentionHeads = options.SmallHeads,
        NumKeyValueHeads = options.SmallKvHeads,
        MaxPositionEmbeddings = 2048,
    });

    private static string Ensure(BenchOptions options, TinyModelOptions model)
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        var directory = TinyModelCache.Ensure(options.CacheDirectory, model);
        if (started.Elapsed.TotalSeconds > 1)
            Console.Error.WriteLine($"wrote {directory} in {started.Elapsed.TotalSeconds:F1} s");
        return directory;
    }

    /// <summary>Parameters stored in the checkpoint.</summary>
    public static long ParameterCount(ModelWeights weights) => weights.Names.Sum(n => weights.GetInfo(n).ElementCount);

    /// <summary>
    /// The weight tensors one decode step must stream from memory, as [rows, columns] (norms as [1, n]): every matrix
    /// and norm of the layers plus the language-model head, which is the embedding table itself when tied. The
    /// embedding lookup reads a single row, left out as negligible.
    /// </summary>
    public static IReadOnlyList<(long Rows, long Columns)> WeightsReadPerToken(ModelWeights weights, ModelConfig config)
    {
        const string Embedding = "model.embed_tokens.weight";
        var read = weights.Names.Where(n => n != Embedding).Select(weights.GetInfo)
            .Select(i => i.Shape.Length == 2 ? (i.Shape[0], i.Shape[1]) : (1L, i.ElementCount)).ToList();
        if (config.TieWordEmbeddings) read.Add((config.VocabSize, config.HiddenSize));
        return read;
    }
}
