using Cluster.Engine.KvCache;
using Cluster.Engine.ModelFiles;
using Cluster.Engine.Models;
using Cluster.Engine.TinyModels;
using static TorchSharp.torch;

namespace Cluster.Engine.Tests;

public class ForwardPassTests
{
    private const int MaxLength = 64;

    private static (CausalLanguageModel Model, KvCachePool Cache, ModelConfig Config) Load(string path, int slots = 4)
    {
        var folder = ModelFolder.Load(path);
        var model = new CausalLanguageModel(folder.Config, MaxLength, CPU);
        model.LoadWeights(folder.Weights);
        folder.Dispose();
        var c = folder.Config;
        return (model, new KvCachePool(c.NumHiddenLayers, slots, c.NumKeyValueHeads, MaxLength, c.HeadDim, ScalarType.Float32, CPU), c);
    }

    private static int[] Prompt(int length, int vocab, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, length).Select(_ => random.Next(vocab)).ToArray();
    }

    [Theory]
    [InlineData(TinyModelArchitecture.Llama)]
    [InlineData(TinyModelArchitecture.Mistral)]
    [InlineData(TinyModelArchitecture.Qwen2)]
    [InlineData(TinyModelArchitecture.Qwen3)]
    public void Forward_returns_one_row_of_logits_per_segment_that_asks_for_them(TinyModelArchitecture architecture)
    {
        using var directory = new TinyModelDirectory(architecture);
        var (model, cache, config) = Load(directory.Path);
        using var _ = model;
        using var __ = cache;
        using var noGrad = no_grad();
        var tokens = Prompt(7, config.VocabSize, 3);
        var batch = new ForwardBatch([new ForwardSegment(0, 0, 5, NeedsLogits: true), new ForwardSegment(1, 0, 2, NeedsLogits: false)], tokens);
        using var logits = model.Forward(batch, cache);
        Assert.Equal(new long[] { 1, config.VocabSize }, logits.shape);
        Assert.Equal(ScalarType.Float32, logits.dtype);
        Assert.False(logits.isnan().any().item<bool>());
    }

    /// <summary>
    /// Logits of step-by-step decoding through the KV cache equal a full recompute of the same prefix, for every
    /// family (mistral with a sliding window shorter than the sequence, so the window's masking is exercised).
    /// </summary>
    [Theory]
    [InlineData(TinyModelArchitecture.Llama, null)]
    [InlineData(TinyModelArchitecture.Mistral, 8)]
    [InlineData(TinyModelArchitecture.Qwen2, null)]
    [InlineData(TinyModelArchitecture.Qwen3, null)]
    public void Cached_decoding_equals_full_recompute(TinyModelArchitecture architecture, int? slidingWindow)
    {
        using var directory = new TinyModelDirectory(architecture, seed: 5, slidingWindow: slidingWindow);
        var (model, cache, config) = Load(directory.Path);
        using var _ = model;
        using var __ = cache;
        using var noGrad = no_grad();
        if (slidingWindow is not null) Assert.Equal(slidingWindow, config.SlidingWindow);
        var tokens = Prompt(24, config.VocabSize, 11);

        // Slot 0: a 6-token prefill, then one token at a time through the cache.
        using (model.Forward(new ForwardBatch([new ForwardSegment(0, 0, 6, true)], tokens[..6]), cache)) { }
        for (int p = 6; p < tokens.Length; p++)
        {
            using var cached = model.Forward(new ForwardBatch([new ForwardSegment(0, p, 1, true)], [tokens[p]]), cache);
            // Slot 1: the whole prefix from scratch.
            using var full = model.Forward(new ForwardBatch([new ForwardSegment(1, 0, p + 1, true)], tokens[..(p + 1)]), cache);
            double difference = (cached - full).abs().max().item<float>();
            Assert.True(difference < 1e-4, $"position {p}: max |cached - full| = {difference}");
        }
    }

    [Fact]
    public void Sequences_batched_in_one_step_get_the_logits_they_get_alone()
    {
        using var directory = new TinyModelDirectory(TinyModelArchitecture.Qwen3, seed: 9);
        var (model, cache, config) = Load(directory.Path, slots: 4);
        using var _ = model;
        using var __ = cache;
        using var noGrad = no_grad();
        var a = Prompt(9, config.VocabSize, 1);
        var b = Prompt(4, config.VocabSize, 2);
        using var aloneA = model.Forward(new ForwardBatch([new ForwardSegment(0, 0, a.Length, true)], a), cache);
        using var aloneB = model.Forward(new ForwardBatch([new ForwardSegment(1, 0, b.Length, true)], b), cache);
        using var together = model.Forward(new ForwardBatch([new ForwardSegment(2, 0, a.Length, true), new ForwardSegment(3, 0, b.Length, true)], [.. a, .. b]), cache);
        Assert.True((together[0] - aloneA[0]).abs().max().item<float>() < 1e-4);
        Assert.True((together[1] - aloneB[0]).abs().max().item<float>() < 1e-4);
    }

    [Fact]
    public void Loading_is_strict_about_missing_tensors()
    {
        using var directory = new TinyModelDirectory(TinyModelArchitecture.Llama);
        var folder = ModelFolder.Load(directory.Path);
        using var model = new CausalLanguageModel(folder.Config with { NumHiddenLayers = folder.Config.NumHiddenLayers + 1 }, MaxLength, CPU);
        var error = Assert.Throws<InvalidDataException>(() => model.LoadWeights(folder.Weights));
        Assert.Contains($"model.layers.{folder.Config.NumHiddenLayers}.", error.Message);
        folder.Dispose();
    }
}
