using Cluster.Engine.ModelFiles;
using Cluster.Engine.Sampling;
using Cluster.Engine.Scheduling;
using Cluster.Engine.TinyModels;

namespace Cluster.Engine.Tests;

/// <summary>
/// Automatic prefix caching through the real engine: every output with cache hits is compared with the same request
/// on an engine that has caching off (tokens equal, log-probabilities within 1e-4), and the reported cached-token
/// counts follow from the block size (16).
/// </summary>
public sealed class PrefixCachingTests
{
    private const int BlockSize = 16;
    private static readonly SamplingParameters Greedy = SamplingParameters.Greedy with { Logprobs = 5 };

    private sealed class Models : IDisposable
    {
        private readonly TinyModelDirectory _directory;

        public Models(TinyModelArchitecture architecture, int? slidingWindow = null)
        {
            _directory = new TinyModelDirectory(architecture, seed: 33, slidingWindow: slidingWindow);
            Folder = ModelFolder.Load(_directory.Path);
        }

        public ModelFolder Folder { get; }

        public async Task<InferenceEngine> Start(bool caching, int? kvCacheTokens = null, int maxSequences = 16)
        {
            var engine = new InferenceEngine(Folder.Config, Folder.Weights, new EngineOptions
            {
                MaxSequenceLength = 256,
                MaxSequences = maxSequences,
                MaxTokensPerStep = 64,
                BlockSize = BlockSize,
                KvCacheTokens = kvCacheTokens,
                EnablePrefixCaching = caching,
            });
            await engine.Ready;
            return engine;
        }

        public int[] Prompt(int seed, int length)
        {
            var random = new Random(seed);
            return Enumerable.Range(0, length).Select(_ => random.Next(Folder.Tokenizer.VocabSize)).ToArray();
        }

        public void Dispose()
        {
            Folder.Dispose();
            _directory.Dispose();
        }
    }

    private static async Task<List<GeneratedToken>> Run(InferenceEngine engine, int[] prompt, int maxTokens = 16, CancellationToken ct = default)
    {
        var tokens = new List<GeneratedToken>();
        await foreach (var t in engine.GenerateAsync(new GenerationRequest(prompt, Greedy, maxTokens), ct)) tokens.Add(t);
        return tokens;
    }

    /// <summary>Same tokens and log-probabilities within 1e-4; a different token is accepted only at a near-tie, where comparison stops.</summary>
    private static void AssertSameOutput(List<GeneratedToken> expected, List<GeneratedToken> actual, string what)
    {
        for (int t = 0; t < Math.Min(expected.Count, actual.Count); t++)
        {
            var e = expected[t];
            var a = actual[t];
            if (e.TokenId != a.TokenId)
            {
                var top = e.TopLogprobs!;
                Assert.True(Math.Abs(top[0].Logprob - top[1].Logprob) < 1e-4, $"{what}: token {t} is {a.TokenId}, expected {e.TokenId}");
                return;
            }
            Assert.True(Math.Abs(e.Logprob!.Value - a.Logprob!.Value) < 1e-4, $"{what}: token {t} logprob {a.Logprob} vs {e.Logprob}");
            foreach (var alternative in e.TopLogprobs!)
            {
                var match = a.TopLogprobs!.FirstOrDefault(x => x.TokenId == alternative.TokenId);
                if (match.TokenId == alternative.TokenId && a.TopLogprobs!.Contains(match))
                    Assert.True(Math.Abs(match.Logprob - alternative.Logprob) < 1e-4, $"{what}: token {t} alternative {alternative.TokenId}");
            }
        }
        Assert.Equal(expected.Count, actual.Count);
    }

    private static async Task WaitForIdle(InferenceEngine engine)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while ((engine.Statistics.UsedCacheBlocks > 0 || engine.Statistics.Running > 0) && DateTime.UtcNow < deadline) await Task.Delay(10);
    }

    public static TheoryData<TinyModelArchitecture, int?> Families() => new()
    {
        { TinyModelArchitecture.Llama, null },
        { TinyModelArchitecture.Mistral, 8 },
        { TinyModelArchitecture.Qwen2, null },
        { TinyModelArchitecture.Qwen3, null },
    };

    [Theory]
    [MemberData(nameof(Families))]
    public async Task Hits_reuse_whole_blocks_and_change_no_output(TinyModelArchitecture architecture, int? slidingWindow)
    {
        using var models = new Models(architecture, slidingWindow);
        await using var plain = await models.Start(caching: false);
        await using var cached = await models.Start(caching: true);

        var prompt = models.Prompt(1, 50);
        var first = await Run(cached, prompt, maxTokens: 24);
        Assert.Equal(0, first[0].CachedPromptTokens);
        AssertSameOutput(await Run(plain, prompt, maxTokens: 24), first, "cold");

        // The same prompt: its 3 full blocks (48 tokens) are cached; the last 2 tokens are computed.
        var repeat = await Run(cached, prompt, maxTokens: 24);
        Assert.Equal(48, repeat[0].CachedPromptTokens);
        AssertSameOutput(first, repeat, "repeat");

        // A prompt that leaves the cached one inside its third block: the hit ends mid-prompt, after 2 blocks.
        var diverging = prompt[..40].Concat(models.Prompt(2, 20)).ToArray();
        var partial = await Run(cached, diverging);
        Assert.Equal(32, partial[0].CachedPromptTokens);
        AssertSameOutput(await Run(plain, diverging), partial, "diverging");

        // The next turn of a conversation: the prompt, what was generated and new tokens. Generated tokens were
        // registered too: 50 + 23 computed positions fill 4 blocks.
        var nextTurn = prompt.Concat(first.Select(t => t.TokenId)).Concat(models.Prompt(3, 10)).ToArray();
        var turn = await Run(cached, nextTurn);
        Assert.Equal(64, turn[0].CachedPromptTokens);
        AssertSameOutput(await Run(plain, nextTurn), turn, "next turn");

        // A prompt of exactly 3 blocks can reuse only 2: its last token must be computed to sample from.
        var aligned = await Run(cached, prompt[..48]);
        Assert.Equal(32, aligned[0].CachedPromptTokens);
        AssertSameOutput(await Run(plain, prompt[..48]), aligned, "block-aligned");

        await WaitForIdle(cached);
        var s = cached.Statistics;
        Assert.Equal(0, s.UsedCacheBlocks);
        Assert.Equal(50 + 50 + 60 + nextTurn.Length + 48, s.PrefixCacheQueries);
        Assert.Equal(48 + 32 + 64 + 32, s.PrefixCacheHits);
        Assert.Equal(0, plain.Statistics.PrefixCacheQueries);
        Assert.Equal(0, (await Run(plain, prompt))[0].CachedPromptTokens);
    }

    [Fact]
    public async Task Concurrent_sequences_share_cached_blocks_and_each_gets_its_own_output()
    {
        using var models = new Models(TinyModelArchitecture.Qwen2);
        await using var plain = await models.Start(caching: false);
        await using var cached = await models.Start(caching: true);
        var shared = models.Prompt(10, 64);
        var prompts = Enumerable.Range(0, 8).Select(i => shared.Concat(models.Prompt(100 + i, 5 + i)).ToArray()).ToArray();

        // Cold and concurrent: all compute the shared blocks at once; one copy of each is registered.
        var cold = await Task.WhenAll(prompts.Select(p => Run(cached, p)));
        // Warm and concurrent: every sequence holds the same 4 cached blocks while it runs.
        var warm = await Task.WhenAll(prompts.Select(p => Run(cached, p)));
        for (int i = 0; i < prompts.Length; i++)
        {
            var expected = await Run(plain, prompts[i]);
            AssertSameOutput(expected, cold[i], $"cold {i}");
            AssertSameOutput(expected, warm[i], $"warm {i}");
            Assert.Equal(64, warm[i][0].CachedPromptTokens);
        }
        await WaitForIdle(cached);
        Assert.Equal(0, cached.Statistics.UsedCacheBlocks);
    }

    [Fact]
    public async Task Eviction_under_a_small_budget_keeps_outputs_exact_and_frees_every_block()
    {
        using var models = new Models(TinyModelArchitecture.Llama);
        await using var plain = await models.Start(caching: false);
        // 8 blocks: each 60-token prompt plus 16 generated needs 5, so every new prompt evicts older cached blocks.
        await using var cached = await models.Start(caching: true, kvCacheTokens: 8 * BlockSize, maxSequences: 1);
        var prompts = Enumerable.Range(0, 5).Select(i => models.Prompt(200 + i, 60)).ToArray();
        foreach (var round in new[] { 0, 1 })
        {
            for (int i = 0; i < prompts.Length; i++)
                AssertSameOutput(await Run(plain, prompts[i]), await Run(cached, prompts[i]), $"round {round} prompt {i}");
        }
        // The most recent prompt is still cached; the first was evicted long ago.
        Assert.Equal(48, (await Run(cached, prompts[^1]))[0].CachedPromptTokens);
        Assert.Equal(0, (await Run(cached, prompts[0]))[0].CachedPromptTokens);
        await WaitForIdle(cached);
        Assert.Equal(0, cached.Statistics.UsedCacheBlocks);
    }

    [Fact]
    public async Task Preemption_and_cancellation_keep_the_accounting_exact()
    {
        using var models = new Models(TinyModelArchitecture.Qwen3);
        await using var plain = await models.Start(caching: false);
        // 12 blocks for 6 sequences of 32 + 40 tokens sharing their first 2 blocks: preemption is certain.
        await using var cached = await models.Start(caching: true, kvCacheTokens: 12 * BlockSize);
        var shared = models.Prompt(20, 32);
        var prompts = Enumerable.Range(0, 6).Select(i => shared.Concat(models.Prompt(300 + i, 8)).ToArray()).ToArray();

        using var cancel = new CancellationTokenSource();
        var cancelled = Task.Run(async () =>
        {
            int seen = 0;
            await foreach (var _ in cached.GenerateAsync(new GenerationRequest(prompts[0], Greedy, 200), cancel.Token))
                if (++seen == 5) cancel.Cancel();
        });
        var results = await Task.WhenAll(prompts.Select(p => Run(cached, p, maxTokens: 40)));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);

        for (int i = 0; i < prompts.Length; i++) AssertSameOutput(await Run(plain, prompts[i], maxTokens: 40), results[i], $"prompt {i}");
        Assert.True(cached.Statistics.Preemptions > 0, "the budget should have forced preemption");
        await WaitForIdle(cached);
        Assert.Equal(0, cached.Statistics.UsedCacheBlocks);
        // Nothing leaked: every block can still be taken by one sequence as long as the cache allows.
        var longest = models.Prompt(21, 12 * BlockSize - 20);
        AssertSameOutput(await Run(plain, longest), await Run(cached, longest), "after");
    }
}
