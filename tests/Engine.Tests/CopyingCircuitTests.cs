using Cluster.Engine.ModelFiles;
using Cluster.Engine.TinyModels;
using Cluster.Training;
using static TorchSharp.torch;

namespace Cluster.Engine.Tests;

/// <summary>
/// The demo model starts training with a copying circuit (<see cref="CopyingCircuit"/>): before any training step, the
/// second time a line of random tokens is read, the model already ranks each next token of the line far above the
/// rest; the same initialisation without the circuit ranks them as chance does.
/// </summary>
public sealed class CopyingCircuitTests
{
    [Fact]
    public void An_untrained_demo_model_with_the_circuit_predicts_the_repeat_of_a_line()
    {
        string path = Path.Combine(Path.GetTempPath(), "copying-circuit-" + Guid.NewGuid().ToString("N"));
        try
        {
            var config = DemoShapedConfig(path);
            var random = new Random(3);
            var line = Enumerable.Range(0, config.VocabSize).OrderBy(_ => random.Next()).Take(40).ToArray();
            long[] ids = [.. line.Select(t => (long)t), .. line.Select(t => (long)t)];

            double withCircuit = MedianRankOfRepeat(DemoModelTrainer.InitialWeights(config, new Generator(7)), config, ids, line.Length);
            double without = MedianRankOfRepeat(DemoModelTrainer.InitialWeights(config, new Generator(7), copyingCircuit: false), config, ids, line.Length);

            Assert.True(withCircuit <= 3, $"with the circuit the repeated line's next tokens rank {withCircuit} (median) among {config.VocabSize}");
            Assert.True(without > 100, $"without the circuit they rank {without} (median): the test does not tell the two apart");
        }
        finally
        {
            Directory.Delete(path, recursive: true);
        }
    }

    [Fact]
    public void The_later_layers_copy_paths_write_the_attended_token_as_itself()
    {
        string path = Path.Combine(Path.GetTempPath(), "copying-circuit-" + Guid.NewGuid().ToString("N"));
        try
        {
            var config = DemoShapedConfig(path);
            for (int layer = 2; layer < config.NumHiddenLayers; layer++)
            {
                double withCircuit = MedianRankOfCopy(DemoModelTrainer.InitialWeights(config, new Generator(7)), config, layer);
                double without = MedianRankOfCopy(DemoModelTrainer.InitialWeights(config, new Generator(7), copyingCircuit: false), config, layer);
                Assert.True(withCircuit <= 3, $"layer {layer}: a token written by head 0's value and output ranks {withCircuit} (median) among the tied head's logits");
                Assert.True(without > 100, $"layer {layer}: without the circuit it ranks {without} (median): the test does not tell the two apart");
            }
        }
        finally
        {
            Directory.Delete(path, recursive: true);
        }
    }

    /// <summary>
    /// For every token: what head 0 of <paramref name="layer"/> writes when it attends to the token's embedding alone,
    /// read by the tied LM head; the median rank (0 = first) of the token itself.
    /// </summary>
    private static double MedianRankOfCopy(IReadOnlyDictionary<string, TorchSharp.Modules.Parameter> weights, ModelConfig config, int layer)
    {
        using var _ = no_grad();
        int d = config.HeadDim;
        var embeddings = weights["model.embed_tokens.weight"];
        var value = weights[$"model.layers.{layer}.self_attn.v_proj.weight"].narrow(0, 0, d);
        var output = weights[$"model.layers.{layer}.self_attn.o_proj.weight"].narrow(1, 0, d);
        using var written = embeddings.matmul(value.t()).matmul(output.t());
        using var logits = written.matmul(embeddings.t());
        using var own = logits.diagonal().unsqueeze(1);
        var ranks = (logits > own).sum(1).data<long>().ToArray();
        Array.Sort(ranks);
        return ranks[ranks.Length / 2];
    }

    /// <summary>A checkpoint of the demo model's shape (<see cref="DemoTrainingOptions"/>' defaults) written to <paramref name="path"/>: its config.</summary>
    private static ModelConfig DemoShapedConfig(string path)
    {
        var options = new DemoTrainingOptions { OutputDirectory = path };
        return TinyModelBuilder.Write(new TinyModelOptions
        {
            OutputDirectory = path, Architecture = TinyModelArchitecture.Qwen2, HiddenSize = options.HiddenSize,
            IntermediateSize = options.IntermediateSize, NumHiddenLayers = options.Layers, NumAttentionHeads = options.Heads,
            NumKeyValueHeads = options.Heads, MaxPositionEmbeddings = 4096,
        }).Config;
    }

    /// <summary>The median rank (0 = first) of each next token over the second copy of the line.</summary>
    private static double MedianRankOfRepeat(IReadOnlyDictionary<string, TorchSharp.Modules.Parameter> weights, ModelConfig config, long[] ids, int lineLength)
    {
        using var _ = no_grad();
        var decoder = new TrainingDecoder(config, weights, ids.Length);
        using var logits = decoder.Logits(tensor(ids, [1, ids.Length]));
        var ranks = new List<int>();
        for (int position = lineLength; position < ids.Length - 1; position++)
        {
            var row = logits[0, position];
            float target = row[ids[position + 1]].item<float>();
            ranks.Add((int)(row > target).sum().item<long>());
        }
        ranks.Sort();
        return ranks[ranks.Count / 2];
    }
}
