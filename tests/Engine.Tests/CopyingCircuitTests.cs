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
            // The demo model's shape (DemoTrainingOptions' defaults).
            var options = new DemoTrainingOptions { OutputDirectory = path };
            var config = TinyModelBuilder.Write(new TinyModelOptions
            {
                OutputDirectory = path, Architecture = TinyModelArchitecture.Qwen2, HiddenSize = options.HiddenSize,
                IntermediateSize = options.IntermediateSize, NumHiddenLayers = options.Layers, NumAttentionHeads = options.Heads,
                NumKeyValueHeads = options.Heads, MaxPositionEmbeddings = 4096,
            }).Config;
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
