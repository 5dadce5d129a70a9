using Cluster.Engine.ModelFiles;
using Cluster.Engine.Sampling;
using Cluster.Engine.Scheduling;
using Cluster.Engine.TinyModels;

namespace Cluster.Engine.Tests;

public sealed class InferenceEngineTests : IDisposable
{
    private readonly TinyModelDirectory _directory = new(TinyModelArchitecture.Qwen2, seed: 21);
    private readonly ModelFolder _folder;

    public InferenceEngineTests() => _folder = ModelFolder.Load(_directory.Path);

    public void Dispose()
    {
        _folder.Dispose();
        _directory.Dispose();
    }

    private async Task<InferenceEngine> Start(EngineOptions? options = null)
    {
        var engine = new InferenceEngine(_folder.Config, _folder.Weights, options ?? new EngineOptions { MaxSequenceLength = 256 });
        await engine.Ready;
        return engine;
    }

    private int[] Prompt(int seed, int length)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, length).Select(_ => random.Next(_folder.Tokenizer.VocabSize)).ToArray();
    }

    private static async Task<List<GeneratedToken>> Run(InferenceEngine engine, GenerationRequest request, CancellationToken ct = default)
    {
        var tokens = new List<GeneratedToken>();
        await foreach (var t in engine.GenerateAsync(request, ct)) tokens.Add(t);
        return tokens;
    }

    private static int[] Ids(List<GeneratedToken> tokens) => tokens.Select(t => t.TokenId).ToArray();

    /// <summary>The largest difference between two engines' top-5 log-probabilities of the first token, over four prompts.</summary>
    private async Task<double> WorstFirstTokenLogprobDifference(InferenceEngine exact, InferenceEngine other, int firstSeed)
    {
        double worst = 0;
        for (int i = 0; i < 4; i++)
        {
            var request = new GenerationRequest(Prompt(firstSeed + i, 40), SamplingParameters.Greedy with { Logprobs = 5 }, 1);
            var a = (await Run(exact, request))[0];
            var b = (await Run(other, request))[0];
            var bById = b.TopLogprobs!.ToDictionary(t => t.TokenId, t => t.Logprob);
            foreach (var t in a.TopLogprobs!)
                if (bById.TryGetValue(t.TokenId, out float logprob)) worst = Math.Max(worst, Math.Abs(t.Logprob - logprob));
        }
        return worst;
    }

    /// <summary>
    /// A prompt longer than a query block prefilled in one step (attention in blocks of queries) gives what the same
    /// prompt gives prefilled in small chunks (each chunk one block): blocking changes where the work happens, not what
    /// each position sees.
    /// </summary>
    [Fact]
    public async Task A_long_prompt_in_one_step_equals_the_same_prompt_in_chunks()
    {
        await using var whole = await Start(new EngineOptions { MaxSequenceLength = 1024, MaxTokensPerStep = 1024, KvCacheDtype = KvCacheDtype.Fp32, EnablePrefixCaching = false });
        await using var chunked = await Start(new EngineOptions { MaxSequenceLength = 1024, MaxTokensPerStep = 48, KvCacheDtype = KvCacheDtype.Fp32, EnablePrefixCaching = false });
        int length = 2 * Cluster.Engine.Models.SelfAttention.QueryBlock + 77;
        var request = new GenerationRequest(Prompt(300, length), SamplingParameters.Greedy with { Logprobs = 5 }, 6);
        var a = await Run(whole, request);
        var b = await Run(chunked, request);

        Assert.Equal(a.Select(t => t.TokenId), b.Select(t => t.TokenId));
        for (int i = 0; i < a.Count; i++)
            foreach (var (x, y) in a[i].TopLogprobs!.Zip(b[i].TopLogprobs!))
            {
                Assert.Equal(x.TokenId, y.TokenId);
                Assert.Equal(x.Logprob, y.Logprob, 1e-3);
            }
    }

    /// <summary>
    /// A 16-bit KV cache (attention still in fp32) moves the first generated token's log-probabilities by at most the
    /// documented tolerance (README: 0.02 for fp16, 0.1 for bf16, whose 8-bit mantissa rounds keys and values ~8× coarser).
    /// </summary>
    [Theory]
    [InlineData(KvCacheDtype.Fp16, 0.02)]
    [InlineData(KvCacheDtype.Bf16, 0.1)]
    public async Task A_16_bit_kv_cache_stays_within_tolerance_of_fp32(KvCacheDtype dtype, double tolerance)
    {
        await using var exact = await Start(new EngineOptions { MaxSequenceLength = 256, KvCacheDtype = KvCacheDtype.Fp32 });
        await using var halved = await Start(new EngineOptions { MaxSequenceLength = 256, KvCacheDtype = dtype });
        double worst = await WorstFirstTokenLogprobDifference(exact, halved, firstSeed: 100);
        Assert.True(worst <= tolerance, $"{dtype}: worst log-probability difference {worst:G3} > {tolerance}");
        Assert.True(worst > 0, $"{dtype}: identical to fp32, so the cache was not actually {dtype}");
    }

    /// <summary>
    /// <c>--dtype bfloat16</c> on the CPU: the matrices are stored in bf16 (each weight rounded once to an 8-bit
    /// mantissa), everything else stays fp32. Documented tolerance (README): 0.05 on first-token log-probabilities.
    /// </summary>
    [Fact]
    public async Task Bf16_matrices_stay_within_tolerance_of_fp32()
    {
        await using var exact = await Start(new EngineOptions { MaxSequenceLength = 256, KvCacheDtype = KvCacheDtype.Fp32 });
        await using var narrow = await Start(new EngineOptions { MaxSequenceLength = 256, KvCacheDtype = KvCacheDtype.Fp32, Dtype = ModelDtype.BFloat16 });
        Assert.Equal(TorchSharp.torch.ScalarType.BFloat16, narrow.WeightStorage);
        double worst = await WorstFirstTokenLogprobDifference(exact, narrow, firstSeed: 200);
        Assert.True(worst <= 0.05, $"worst log-probability difference {worst:G3} > 0.05");
        Assert.True(worst > 0, "identical to fp32, so the matrices were not actually bf16");
    }

    [Fact]
    public void Dtype_takes_vllms_spellings_and_refuses_float16_on_the_cpu()
    {
        Assert.Equal(ModelDtype.BFloat16, ModelDtypes.Parse("bf16"));
        Assert.Equal(ModelDtype.Float16, ModelDtypes.Parse("half"));
        Assert.Equal(ModelDtype.Float32, ModelDtypes.Parse("float"));
        Assert.Contains("--dtype", Assert.Throws<ArgumentException>(() => ModelDtypes.Parse("int8")).Message);
        Assert.Contains("bfloat16", Assert.Throws<ArgumentException>(() => ModelDtypes.Resolve(ModelDtype.Float16, cpu: true)).Message);
        Assert.Equal((TorchSharp.torch.ScalarType.Float32, TorchSharp.torch.ScalarType.BFloat16), ModelDtypes.Resolve(ModelDtype.BFloat16, cpu: true));
    }

    [Theory]
    [InlineData(SafetensorsDType.BF16, TorchSharp.torch.ScalarType.BFloat16)]
    [InlineData(SafetensorsDType.F16, TorchSharp.torch.ScalarType.Float32)]
    [InlineData(SafetensorsDType.F32, TorchSharp.torch.ScalarType.Float32)]
    public async Task Auto_dtype_keeps_a_bf16_checkpoint_in_bf16_on_the_cpu(SafetensorsDType stored, TorchSharp.torch.ScalarType expected)
    {
        using var directory = new TemporaryDirectory();
        TinyModelBuilder.Write(new TinyModelOptions { OutputDirectory = directory.Path, Seed = 3, DType = stored });
        using var folder = ModelFolder.Load(directory.Path);
        await using var engine = new InferenceEngine(folder.Config, folder.Weights, new EngineOptions { MaxSequenceLength = 64 });
        await engine.Ready;

        Assert.Equal(expected, engine.WeightStorage);
        // Served as stored, it still generates (no dtype mismatch anywhere in the step).
        var tokens = await Run(engine, new GenerationRequest([1, 2, 3], SamplingParameters.Greedy, 4));
        Assert.Equal(4, tokens.Count);
        // An explicit --dtype float32 still widens it.
        await using var widened = new InferenceEngine(folder.Config, folder.Weights, new EngineOptions { MaxSequenceLength = 64, Dtype = ModelDtype.Float32 });
        await widened.Ready;
        Assert.Equal(TorchSharp.torch.ScalarType.Float32, widened.WeightStorage);
    }

    [Fact]
    public async Task Greedy_outputs_of_concurrent_requests_equal_the_same_requests_run_one_by_one()
    {
        await using var engine = await Start(new EngineOptions { MaxSequenceLength = 256, MaxSequences = 16, MaxTokensPerStep = 64 });
        var requests = Enumerable.Range(0, 16)
            .Select(i => new GenerationRequest(Prompt(i, 5 + i * 3), SamplingParameters.Greedy with { Logprobs = 2 }, 24))
            .ToList();
        var alone = new List<List<GeneratedToken>>();
        foreach (var r in requests) alone.Add(await Run(engine, r));
        var together = await Task.WhenAll(requests.Select(r => Run(engine, r)));

        for (int i = 0; i < requests.Count; i++)
        {
            var a = alone[i];
            var b = together[i];
            int n = Math.Min(a.Count, b.Count);
            for (int t = 0; t < n; t++)
            {
                if (a[t].TokenId == b[t].TokenId) continue;
                // Batched matmuls may round differently; a different token is only acceptable at a near-tie.
                var top = a[t].TopLogprobs!;
                Assert.True(Math.Abs(top[0].Logprob - top[1].Logprob) < 1e-5, $"request {i} token {t}: {a[t].TokenId} alone vs {b[t].TokenId} batched");
                goto nextRequest;
            }
            Assert.Equal(a.Count, b.Count);
        nextRequest:;
        }
    }

    [Fact]
    public async Task Same_seed_gives_the_same_sample_alone_and_in_a_batch()
    {
        await using var engine = await Start();
        var sampling = new SamplingParameters { Temperature = 1.0f, TopP = 0.95f, TopK = 50, Seed = 1234 };
        var request = new GenerationRequest(Prompt(1, 12), sampling, 32);
        var first = Ids(await Run(engine, request));
        var second = Ids(await Run(engine, request));
        Assert.Equal(first, second);

        var others = Enumerable.Range(0, 5).Select(i => Run(engine, new GenerationRequest(Prompt(100 + i, 9), new SamplingParameters { Temperature = 1f }, 32))).ToList();
        var batched = await Run(engine, request);
        await Task.WhenAll(others);
        Assert.Equal(first, Ids(batched));

        var otherSeed = Ids(await Run(engine, request with { Sampling = sampling with { Seed = 99 } }));
        Assert.NotEqual(first, otherSeed);
    }

    [Fact]
    public async Task Preemption_under_a_tiny_cache_budget_still_completes_every_request_correctly()
    {
        var requests = Enumerable.Range(0, 6).Select(i => new GenerationRequest(Prompt(50 + i, 20), SamplingParameters.Greedy, 40)).ToList();
        List<int[]> expected = [];
        await using (var roomy = await Start())
            foreach (var r in requests) expected.Add(Ids(await Run(roomy, r)));

        // 10 blocks of 16 = 160 tokens for 6 sequences of 60 tokens: they cannot all stay resident.
        await using var tight = await Start(new EngineOptions { MaxSequenceLength = 256, KvCacheTokens = 160, BlockSize = 16 });
        var results = await Task.WhenAll(requests.Select(r => Run(tight, r)));
        for (int i = 0; i < requests.Count; i++) Assert.Equal(expected[i], Ids(results[i]));
        Assert.True(tight.Statistics.Preemptions > 0, "the budget should have forced preemption");
        Assert.Equal(0, tight.Statistics.UsedCacheBlocks);
    }

    [Fact]
    public async Task Cancelling_a_request_frees_its_cache_blocks()
    {
        await using var engine = await Start();
        using var cts = new CancellationTokenSource();
        var request = new GenerationRequest(Prompt(3, 40), SamplingParameters.Greedy, 200);
        int seen = 0;
        double usageWhileRunning = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var _ in engine.GenerateAsync(request, cts.Token))
            {
                if (++seen == 10)
                {
                    usageWhileRunning = engine.Statistics.CacheUsage;
                    cts.Cancel();
                }
            }
        });
        Assert.True(usageWhileRunning > 0);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (engine.Statistics.UsedCacheBlocks > 0 && DateTime.UtcNow < deadline) await Task.Delay(20);
        Assert.Equal(0, engine.Statistics.UsedCacheBlocks);
    }

    [Fact]
    public async Task Stop_tokens_end_generation_but_not_before_min_tokens()
    {
        await using var engine = await Start();
        var prompt = Prompt(8, 10);
        var free = Ids(await Run(engine, new GenerationRequest(prompt, SamplingParameters.Greedy, 12)));
        int stopAt = free[3];
        int firstIndex = Array.IndexOf(free, stopAt);

        var stopped = await Run(engine, new GenerationRequest(prompt, SamplingParameters.Greedy, 12) { StopTokenIds = new HashSet<int> { stopAt } });
        Assert.Equal(firstIndex + 1, stopped.Count);
        Assert.Equal(FinishReason.Stop, stopped[^1].Finish);

        var atLeast = await Run(engine, new GenerationRequest(prompt, SamplingParameters.Greedy, 12) { StopTokenIds = new HashSet<int> { stopAt }, MinTokens = firstIndex + 2 });
        Assert.True(atLeast.Count >= firstIndex + 2);
        Assert.DoesNotContain(stopAt, Ids(atLeast)[..(firstIndex + 2)]);
    }

    [Fact]
    public async Task Max_tokens_ends_with_length_and_logprobs_describe_the_chosen_token()
    {
        await using var engine = await Start();
        var tokens = await Run(engine, new GenerationRequest(Prompt(4, 6), SamplingParameters.Greedy with { Logprobs = 3 }, 7));
        Assert.Equal(7, tokens.Count);
        Assert.Equal(FinishReason.Length, tokens[^1].Finish);
        Assert.All(tokens[..^1], t => Assert.Null(t.Finish));
        foreach (var t in tokens)
        {
            Assert.Equal(3, t.TopLogprobs!.Length);
            Assert.Equal(t.TokenId, t.TopLogprobs[0].TokenId); // greedy picks the most likely
            Assert.Equal(t.TopLogprobs[0].Logprob, t.Logprob!.Value, 4);
            Assert.True(t.TopLogprobs[0].Logprob >= t.TopLogprobs[1].Logprob && t.TopLogprobs[1].Logprob >= t.TopLogprobs[2].Logprob);
            Assert.True(t.Logprob <= 0);
        }
    }

    [Fact]
    public async Task Prompts_that_cannot_fit_are_refused_naming_the_prompt()
    {
        await using var engine = await Start(new EngineOptions { MaxSequenceLength = 32 });
        var error = await Assert.ThrowsAsync<ArgumentException>(() => Run(engine, new GenerationRequest(Prompt(1, 40), SamplingParameters.Greedy, 4)));
        Assert.Equal("prompt", error.ParamName);
    }
}

public sealed class ConstrainedGenerationTests : IDisposable
{
    private readonly TinyModelDirectory _directory = new(TinyModelArchitecture.Qwen2, seed: 33);
    private readonly ModelFolder _folder;

    public ConstrainedGenerationTests() => _folder = ModelFolder.Load(_directory.Path);

    public void Dispose()
    {
        _folder.Dispose();
        _directory.Dispose();
    }

    [Fact]
    public async Task A_random_model_at_temperature_one_only_produces_what_the_grammar_allows()
    {
        var eos = _folder.Tokenizer.EosTokenIds;
        var vocabulary = Cluster.Engine.Tokenization.ConstraintVocabulary.Create(_folder.Tokenizer, eos);
        var grammar = Cluster.Constraints.GrammarCompiler.Compile(Cluster.Constraints.Grammar.Regex("(yes|no) [0-9]{2,4}!"), vocabulary);
        await using var engine = new InferenceEngine(_folder.Config, _folder.Weights, new EngineOptions { MaxSequenceLength = 128 });
        await engine.Ready;
        var regex = new System.Text.RegularExpressions.Regex("^(yes|no) [0-9]{2,4}!$");
        var runs = Enumerable.Range(0, 12).Select(async i =>
        {
            var request = new GenerationRequest(_folder.Tokenizer.Encode("answer:", allowSpecialTokens: false), new SamplingParameters { Temperature = 1f, Seed = (ulong)i }, 64)
            {
                StopTokenIds = eos.ToHashSet(),
                Constraint = grammar.CreateMatcher(),
            };
            var ids = new List<int>();
            FinishReason? finish = null;
            await foreach (var t in engine.GenerateAsync(request)) { ids.Add(t.TokenId); finish = t.Finish; }
            Assert.Equal(FinishReason.Stop, finish);
            return _folder.Tokenizer.Decode(ids, skipSpecialTokens: true);
        });
        foreach (var text in await Task.WhenAll(runs)) Assert.Matches(regex, text);
    }
}
