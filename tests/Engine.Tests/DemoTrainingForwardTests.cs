using Cluster.Engine.KvCache;
using Cluster.Engine.ModelFiles;
using Cluster.Engine.Models;
using Cluster.Engine.TinyModels;
using Cluster.Training;
using static TorchSharp.torch;

namespace Cluster.Engine.Tests;

/// <summary>
/// The demo model's training forward pass computes what the serving engine computes from the same tensors, so the
/// checkpoint training saves behaves in the engine as it did in training.
/// </summary>
public sealed class DemoTrainingForwardTests
{
    [Fact]
    public void Training_logits_equal_the_engines_on_the_same_weights()
    {
        string path = Path.Combine(Path.GetTempPath(), "demo-forward-" + Guid.NewGuid().ToString("N"));
        var summary = WriteTinyQwen(path);
        using var folder = ModelFolder.Load(summary.Directory);
        using var model = new CausalLanguageModel(folder.Config, 64, CPU);
        model.LoadWeights(folder.Weights);
        var weights = model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        var training = new TrainingDecoder(folder.Config, weights, 64);

        int[] tokens = [5, 17, 300, 42, 9, 1200, 64, 7, 512, 33, 80, 2];
        using var noGrad = no_grad();
        using var all = training.Logits(tensor(tokens.Select(t => (long)t).ToArray(), [1, tokens.Length]));
        var c = folder.Config;
        try
        {
            foreach (int length in new[] { 1, 5, tokens.Length })
            {
                using var cache = new PagedKvCache(new KvCacheShape(c.NumHiddenLayers, c.NumKeyValueHeads, c.HeadDim, 4), 16, ScalarType.Float32, CPU);
                var blocks = new List<int>();
                for (int i = 0; i < cache.BlocksFor(length); i++)
                {
                    Assert.True(cache.Blocks.TryAllocate(out int block));
                    blocks.Add(block);
                }
                using var served = model.Forward(new ForwardBatch([new ForwardSegment(blocks, 0, length, NeedsLogits: true)], tokens[..length]), cache);
                float difference = (served[0] - all[0, length - 1]).abs().max().item<float>();
                Assert.True(difference < 1e-4f, $"length {length}: logits differ by {difference}");
            }
        }
        finally
        {
            Directory.Delete(path, recursive: true);
        }
    }

    [Fact]
    public void The_loss_is_the_mean_over_learned_tokens_with_each_spans_first_token_weighted()
    {
        string path = Path.Combine(Path.GetTempPath(), "demo-loss-" + Guid.NewGuid().ToString("N"));
        var summary = WriteTinyQwen(path);
        try
        {
            using var folder = ModelFolder.Load(summary.Directory);
            using var model = new CausalLanguageModel(folder.Config, 64, CPU);
            model.LoadWeights(folder.Weights);
            var training = new TrainingDecoder(folder.Config, model.named_parameters().ToDictionary(p => p.name, p => p.parameter), 64);
            // Two learned spans in the first example, one in the second (shorter, so the batch pads it).
            var first = new DemoExample([5, 17, 300, 42, 9, 1200, 64, 7, 512, 33], [false, false, true, true, true, false, false, true, true, false]);
            var second = new DemoExample([80, 2, 44, 91, 13], [false, false, false, true, true]);
            using var noGrad = no_grad();
            double loss = training.Loss([first, second]).item<float>();

            double weighted = 0, total = 0;
            foreach (var example in new[] { first, second })
            {
                using var logProbabilities = nn.functional.log_softmax(training.Logits(tensor(example.TokenIds.Select(t => (long)t).ToArray(), [1, example.TokenIds.Length])), -1);
                for (int t = 1; t < example.TokenIds.Length; t++)
                {
                    if (!example.Learn[t]) continue;
                    double weight = example.Learn[t - 1] ? 1 : TrainingDecoder.FirstTokenWeight;
                    weighted -= weight * logProbabilities[0, t - 1, example.TokenIds[t]].item<float>();
                    total += weight;
                }
            }
            Assert.Equal(weighted / total, loss, 4);
        }
        finally
        {
            Directory.Delete(path, recursive: true);
        }
    }

    /// <summary>A small Qwen2 checkpoint with grouped-query attention, written to <paramref name="path"/>.</summary>
    private static TinyModelSummary WriteTinyQwen(string path) => TinyModelBuilder.Write(new TinyModelOptions
    {
        OutputDirectory = path, Architecture = TinyModelArchitecture.Qwen2, Seed = 5, HiddenSize = 48, IntermediateSize = 96,
        NumHiddenLayers = 2, NumAttentionHeads = 6, NumKeyValueHeads = 2,
    });
}
