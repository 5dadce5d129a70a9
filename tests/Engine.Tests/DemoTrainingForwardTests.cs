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
        var summary = TinyModelBuilder.Write(new TinyModelOptions
        {
            OutputDirectory = path, Architecture = TinyModelArchitecture.Qwen2, Seed = 5, HiddenSize = 48, IntermediateSize = 96,
            NumHiddenLayers = 2, NumAttentionHeads = 6, NumKeyValueHeads = 2,
        });
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
}
