using Cluster.Engine.KvCache;
using Cluster.Engine.ModelFiles;
using Cluster.Engine.Models;
using Cluster.Engine.TinyModels;
using static TorchSharp.torch;

namespace Cluster.Engine.Tests;

public class ForwardPassTests
{
    private const int MaxLength = 64;

    private static (CausalLanguageModel Model, PagedKvCache Cache, ModelConfig Config) Load(string path)
    {
        var folder = ModelFolder.Load(path);
        var model = new CausalLanguageModel(folder.Config, MaxLength, CPU);
        model.LoadWeights(folder.Weights);
        folder.Dispose();
        var c = folder.Config;
        // Blocks of 4 positions, so every sequence here spans several blocks.
        return (model, new PagedKvCache(new KvCacheShape(c.NumHiddenLayers, c.NumKeyValueHeads, c.HeadDim, 4), 128, ScalarType.Float32, CPU), c);
    }

    /// <summary>A block table covering <paramref name="positions"/>, taken from the pool.</summary>
    private static List<int> Blocks(PagedKvCache cache, int positions)
    {
        var table = new List<int>();
        for (int i = 0; i < cache.BlocksFor(positions); i++)
        {
            Assert.True(cache.Blocks.TryAllocate(out int block));
            table.Add(block);
        }
        return table;
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
        var batch = new ForwardBatch([new ForwardSegment(Blocks(cache, 5), 0, 5, NeedsLogits: true), new ForwardSegment(Blocks(cache, 2), 0, 2, NeedsLogits: false)], tokens);
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

        // One sequence: a 6-token prefill, then one token at a time through the cache.
        var incremental = Blocks(cache, tokens.Length);
        var scratch = Blocks(cache, tokens.Length);
        using (model.Forward(new ForwardBatch([new ForwardSegment(incremental, 0, 6, true)], tokens[..6]), cache)) { }
        for (int p = 6; p < tokens.Length; p++)
        {
            using var cached = model.Forward(new ForwardBatch([new ForwardSegment(incremental, p, 1, true)], [tokens[p]]), cache);
            // Another: the whole prefix from scratch.
            using var full = model.Forward(new ForwardBatch([new ForwardSegment(scratch, 0, p + 1, true)], tokens[..(p + 1)]), cache);
            double difference = (cached - full).abs().max().item<float>();
            Assert.True(difference < 1e-4, $"position {p}: max |cached - full| = {difference}");
        }
    }

    [Fact]
    public void Sequences_batched_in_one_step_get_the_logits_they_get_alone()
    {
        using var directory = new TinyModelDirectory(TinyModelArchitecture.Qwen3, seed: 9);
        var (model, cache, config) = Load(directory.Path);
        using var _ = model;
        using var __ = cache;
        using var noGrad = no_grad();
        var a = Prompt(9, config.VocabSize, 1);
        var b = Prompt(4, config.VocabSize, 2);
        using var aloneA = model.Forward(new ForwardBatch([new ForwardSegment(Blocks(cache, a.Length), 0, a.Length, true)], a), cache);
        using var aloneB = model.Forward(new ForwardBatch([new ForwardSegment(Blocks(cache, b.Length), 0, b.Length, true)], b), cache);
        using var together = model.Forward(new ForwardBatch([new ForwardSegment(Blocks(cache, a.Length), 0, a.Length, true), new ForwardSegment(Blocks(cache, b.Length), 0, b.Length, true)], [.. a, .. b]), cache);
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

public class DecodeGemvTests
{
    [Theory]
    [InlineData(1, 1024, 600, false)]
    [InlineData(2, 768, 1025, true)]
    [InlineData(1, 768, 2048, false)]
    public void Matches_libtorch_linear_for_one_or_two_rows(int rows, int inputs, int outputs, bool bias)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        manual_seed(3);
        var linear = nn.Linear(inputs, outputs, hasBias: bias);
        var x = randn(rows, inputs);
        var expected = linear.forward(x);
        var actual = Cluster.Engine.Models.DecodeGemv.Forward(linear, x);
        Assert.Equal(expected.shape, actual.shape);
        Assert.True((expected - actual).abs().max().item<float>() < 1e-4);
    }
}

/// <summary>The decode product over bf16 weights (<c>--dtype bfloat16</c> on the CPU) against libtorch's fp32 product of the same values.</summary>
public class DecodeGemvBf16Tests
{
    [Theory]
    [InlineData(1, 1024, 600, false)]
    [InlineData(2, 768, 1025, true)]
    [InlineData(1, 776, 2048, false)] // 776 = 48 vectors of 16 + 8: the scalar tail
    public void Matches_the_fp32_product_of_the_same_bf16_values(int rows, int inputs, int outputs, bool bias)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        manual_seed(5);
        var weight = randn(outputs, inputs).to(ScalarType.BFloat16);
        var b = bias ? randn(outputs) : null;
        var x = randn(rows, inputs);
        var expected = nn.functional.linear(x, weight.to(ScalarType.Float32), b);
        var actual = Cluster.Engine.Models.DecodeGemv.Forward(weight, b, x);
        Assert.Equal(ScalarType.Float32, actual.dtype);
        Assert.Equal(expected.shape, actual.shape);
        Assert.True((expected - actual).abs().max().item<float>() < 1e-3);
    }

    [Fact]
    public void Larger_batches_multiply_in_bf16_and_return_fp32()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        manual_seed(6);
        var weight = randn(1024, 1024).to(ScalarType.BFloat16);
        var x = randn(8, 1024);
        var actual = Cluster.Engine.Models.DecodeGemv.Forward(weight, null, x);
        var expected = nn.functional.linear(x, weight.to(ScalarType.Float32));
        Assert.Equal(ScalarType.Float32, actual.dtype);
        // The activations are rounded to bf16 for this product: relative error of the order of 2^-8 per term.
        Assert.True(((expected - actual).abs().max() / expected.abs().max()).item<float>() < 0.02);
    }
}

/// <summary>Decode batches of 3–32 rows through the engine's linear layer (the AVX-512 small-batch kernel where the CPU has it).</summary>
public class SmallBatchGemmTests
{
    [Theory]
    [InlineData(3, 1024, 521)]   // a partial row group and a partial last block of outputs
    [InlineData(16, 768, 1024)]
    [InlineData(32, 256, 4099)]
    [InlineData(5, 2048, 768)]
    public void Matches_libtorch_linear(int rows, int inputs, int outputs)
    {
        using var scope = NewDisposeScope();
        var weight = randn(outputs, inputs, generator: new TorchSharp.torch.Generator(3));
        Compare(weight, weight, rows);
    }

    /// <summary>bf16 weights (<c>--dtype bfloat16</c>): the same product as fp32 weights holding the same values.</summary>
    [Theory]
    [InlineData(3, 1024, 521)]
    [InlineData(16, 768, 1024)]
    [InlineData(7, 512, 4099)]
    public void Bf16_weights_match_the_fp32_product_of_their_values(int rows, int inputs, int outputs)
    {
        using var scope = NewDisposeScope();
        var weight = randn(outputs, inputs, generator: new TorchSharp.torch.Generator(6)).to(ScalarType.BFloat16);
        Compare(weight, weight.to(ScalarType.Float32), rows);
    }

    private static void Compare(Tensor weight, Tensor fp32Weight, int rows)
    {
        long inputs = weight.shape[1], outputs = weight.shape[0];
        var bias = randn(outputs, generator: new TorchSharp.torch.Generator(5));
        var x = randn(rows, inputs, generator: new TorchSharp.torch.Generator(4));

        var actual = DecodeGemv.Forward(weight, bias, x).data<float>().ToArray();

        var expected = nn.functional.linear(x, fp32Weight, bias).data<float>().ToArray();
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 1e-3 * Math.Sqrt(inputs));
    }
}
