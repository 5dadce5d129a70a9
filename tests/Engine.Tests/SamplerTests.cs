using Cluster.Engine.Sampling;
using static TorchSharp.torch;

namespace Cluster.Engine.Tests;

public class SamplerTests
{
    private static SampledToken SampleOne(float[] logits, SamplingParameters parameters, int[]? tokens = null, int promptLength = 0, int[]? banned = null)
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(parameters.Seed ?? 1, CPU);
        var t = tensor(logits, [1, logits.Length]);
        return Sampler.Sample(t, [new SamplingRow(parameters, generator, tokens ?? [], promptLength, banned)])[0];
    }

    [Fact]
    public void Greedy_takes_the_argmax_and_logit_bias_moves_it()
    {
        float[] logits = [0.5f, 3f, 1f, 2.9f];
        Assert.Equal(1, SampleOne(logits, SamplingParameters.Greedy).TokenId);
        var biased = SamplingParameters.Greedy with { LogitBias = new Dictionary<int, float> { [1] = -100f } };
        Assert.Equal(3, SampleOne(logits, biased).TokenId);
    }

    [Fact]
    public void Banned_tokens_are_never_chosen()
    {
        float[] logits = [0f, 9f, 1f];
        Assert.Equal(2, SampleOne(logits, SamplingParameters.Greedy, banned: [1]).TokenId);
    }

    [Fact]
    public void Presence_and_frequency_penalties_count_only_output_tokens()
    {
        float[] logits = [2f, 1.5f, 0f];
        // Token 0 appears once in the output: presence 1 lowers it to 1.0 < 1.5.
        Assert.Equal(1, SampleOne(logits, SamplingParameters.Greedy with { PresencePenalty = 1f }, tokens: [2, 0], promptLength: 1).TokenId);
        // In the prompt only: no effect.
        Assert.Equal(0, SampleOne(logits, SamplingParameters.Greedy with { PresencePenalty = 1f }, tokens: [0, 2], promptLength: 1).TokenId);
        // Frequency scales with the count: 0.3 × 2 = 0.6 > 0.5 gap.
        Assert.Equal(1, SampleOne(logits, SamplingParameters.Greedy with { FrequencyPenalty = 0.3f }, tokens: [2, 0, 0], promptLength: 1).TokenId);
        Assert.Equal(0, SampleOne(logits, SamplingParameters.Greedy with { FrequencyPenalty = 0.3f }, tokens: [2, 0], promptLength: 1).TokenId);
    }

    [Fact]
    public void Repetition_penalty_divides_positive_logits_of_seen_tokens_including_the_prompt()
    {
        float[] logits = [2f, 1.5f, 0f];
        Assert.Equal(1, SampleOne(logits, SamplingParameters.Greedy with { RepetitionPenalty = 1.5f }, tokens: [0], promptLength: 1).TokenId);
        Assert.Equal(0, SampleOne(logits, SamplingParameters.Greedy with { RepetitionPenalty = 1.2f }, tokens: [0], promptLength: 1).TokenId);
    }

    [Fact]
    public void Top_k_one_is_greedy_and_min_p_excludes_unlikely_tokens_even_at_high_temperature()
    {
        float[] logits = [1f, 4f, 2f, 3.5f];
        for (ulong seed = 1; seed <= 20; seed++)
        {
            Assert.Equal(1, SampleOne(logits, new SamplingParameters { Temperature = 2f, TopK = 1, Seed = seed }).TokenId);
            int token = SampleOne(logits, new SamplingParameters { Temperature = 1f, MinP = 0.5f, Seed = seed }).TokenId;
            Assert.Contains(token, new[] { 1, 3 }); // p(3)/p(1) = e^-0.5 ≈ 0.61 ≥ 0.5; the others are below
        }
    }

    [Fact]
    public void Top_p_keeps_the_smallest_prefix_reaching_the_mass()
    {
        float[] logits = [10f, 0f, 9.9f, -5f];
        var seen = new HashSet<int>();
        for (ulong seed = 1; seed <= 40; seed++)
            seen.Add(SampleOne(logits, new SamplingParameters { Temperature = 1f, TopP = 0.9f, Seed = seed }).TokenId);
        Assert.Subset(new HashSet<int> { 0, 2 }, seen);
        Assert.Equal(2, seen.Count);
    }

    [Fact]
    public void Sampling_follows_the_distribution()
    {
        float[] logits = [MathF.Log(0.7f), MathF.Log(0.2f), MathF.Log(0.1f)];
        var counts = new int[3];
        for (ulong seed = 1; seed <= 2000; seed++) counts[SampleOne(logits, new SamplingParameters { Temperature = 1f, Seed = seed }).TokenId]++;
        Assert.InRange(counts[0], 1300, 1500);
        Assert.InRange(counts[1], 320, 480);
        Assert.InRange(counts[2], 140, 260);
    }
}
