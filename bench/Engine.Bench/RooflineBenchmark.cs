using System.Globalization;
using Cluster.Engine.ModelFiles;
using Cluster.Engine.Scheduling;

namespace Cluster.Engine.Bench;

/// <summary>
/// Single-stream decode of a ~100M-parameter fp32 model against the memory-bandwidth bound: at batch 1 every weight
/// is read once per token, so tokens/s can be at most bandwidth / bytes of weights. Between the bound and the engine
/// sit floors measured in the same run: a bare chain of <c>linear</c> calls over the same matrices (what libtorch
/// reaches at all), the same chain with fused projections, the same products as a hand-written SIMD GEMV (what a
/// custom decode kernel could reach), and the model's forward pass without the engine around it.
/// </summary>
internal static class RooflineBenchmark
{
    private const int PromptTokens = 16;
    private const double Target = 0.60;

    public static async Task RunAsync(BenchOptions options)
    {
        var directory = BenchModels.Roofline(options);
        using var folder = ModelFolder.Load(directory);
        var config = folder.Config;
        var read = BenchModels.WeightsReadPerToken(folder.Weights, config);
        long bytesPerToken = read.Sum(s => s.Rows * s.Columns) * sizeof(float);

        var bandwidthBefore = TorchThread.Run(options.Threads, () => MemoryBandwidth.Measure(options.BandwidthMegabytes));
        var matrices = read.Where(s => s.Rows > 1).ToList();
        double chain = TorchThread.Run(options.Threads, () => LinearChain.PassesPerSecond(matrices, passes: 5));
        double fusedChain = TorchThread.Run(options.Threads, () => LinearChain.PassesPerSecond(FusedProjections(config), passes: 5));
        int torchThreads = TorchThread.Run(options.Threads, TorchSharp.torch.get_num_threads);
        double simdChain = SimdGemvChain.PassesPerSecond(matrices, torchThreads, passes: 5);
        double forward = 1 / ForwardLoop.DecodeStepSeconds(config, folder.Weights, options.Threads, batch: 1, PromptTokens, options.RooflineTokens, options.RooflineRuns);
        // Two rounds, the settings taking turns, best kept: a slow spell of a shared machine then lowers one round of
        // each setting instead of one setting's only run.
        double engine = 0, engineKvFp32 = 0, engineBf16 = 0;
        for (int round = 0; round < 2; round++)
        {
            engine = Math.Max(engine, await EngineDecodeAsync(folder, options, ModelDtype.Auto, KvCacheDtype.Auto).ConfigureAwait(false));
            engineKvFp32 = Math.Max(engineKvFp32, await EngineDecodeAsync(folder, options, ModelDtype.Auto, KvCacheDtype.Fp32).ConfigureAwait(false));
            engineBf16 = Math.Max(engineBf16, await EngineDecodeAsync(folder, options, ModelDtype.BFloat16, KvCacheDtype.Auto).ConfigureAwait(false));
        }
        // Measured again at the end: the bound must not be lowered by a busy moment on a shared machine.
        var bandwidth = bandwidthBefore.Max(TorchThread.Run(options.Threads, () => MemoryBandwidth.Measure(options.BandwidthMegabytes)));
        double bound = bandwidth.ReadBytesPerSecond / bytesPerToken;

        Console.WriteLine($"## Decode roofline — {config.ModelType}, {BenchModels.ParameterCount(folder.Weights) / 1e6:F1}M parameters fp32, "
            + $"{Environment.ProcessorCount} cores, {torchThreads} torch thread{(torchThreads == 1 ? "" : "s")}");
        Console.WriteLine();
        Console.WriteLine($"hidden {config.HiddenSize}, intermediate {config.IntermediateSize}, {config.NumHiddenLayers} layers, "
            + $"{config.NumAttentionHeads}/{config.NumKeyValueHeads} heads, vocab {config.VocabSize}, tied {config.TieWordEmbeddings}; "
            + $"weights read per token {bytesPerToken / 1e6:F0} MB; bandwidth from a {bandwidth.TensorBytes >> 20} MiB tensor (best pass, first and last): "
            + $"sum() {bandwidth.ReadBytesPerSecond / 1e9:F1} GB/s read, copy_ {bandwidth.CopyBytesPerSecond / 1e9:F1} GB/s read+write; "
            + $"prompt {PromptTokens} tokens, {options.RooflineTokens} generated, best of {options.RooflineRuns} runs");
        Console.WriteLine();
        var table = new MarkdownTable("Decode path (batch 1)", "tokens/s", "ms/token", "effective GB/s", "% of bound");
        void Row(string name, double tokensPerSecond) =>
            table.Add(name, tokensPerSecond, 1000 / tokensPerSecond, tokensPerSecond * bytesPerToken / 1e9, 100 * tokensPerSecond / bound);
        Row("bandwidth bound (sum() read rate)", bound);
        Row("bare linear chain (same matrices)", chain);
        Row("bare linear chain, q/k/v and gate/up fused", fusedChain);
        Row($"bare .NET SIMD GEMV chain, no libtorch ({torchThreads} thread{(torchThreads == 1 ? "" : "s")})", simdChain);
        Row("model forward, no engine", forward);
        Row("InferenceEngine, 1 stream (fp32 matrices, fp16 KV: the defaults)", engine);
        Row("InferenceEngine, 1 stream, --kv-cache-dtype fp32", engineKvFp32);
        Row("InferenceEngine, 1 stream, --dtype bfloat16 (half the bytes: % of the fp32 bound)", engineBf16);
        table.Print(Console.Out);
        Console.WriteLine($"Target: engine ≥ {Target:P0} of the bound — {(engine >= Target * bound ? "met" : "missed")} ({engine / bound:P1}).");
        Console.WriteLine();

        Console.WriteLine($"### {ConcurrentStreams} concurrent streams × {ConcurrentTokens} tokens (InferenceEngine)");
        Console.WriteLine();
        var streams = new MarkdownTable("dtype", "aggregate tokens/s", "wall s");
        foreach (var (dtype, kv, kernel, name) in new[]
        {
            (ModelDtype.Auto, KvCacheDtype.Auto, true, "fp32 (AVX-512 small-batch kernel)"),
            (ModelDtype.Auto, KvCacheDtype.Auto, false, "fp32, libtorch's GEMM instead"),
            (ModelDtype.Auto, KvCacheDtype.Fp32, true, "fp32, --kv-cache-dtype fp32"),
            (ModelDtype.BFloat16, KvCacheDtype.Auto, true, "bf16"),
        })
        {
            Cluster.Engine.Models.DecodeGemv.SmallBatchKernel = kernel;
            double seconds = await ConcurrentDecodeSecondsAsync(folder, options, dtype, kv).ConfigureAwait(false);
            streams.Add(name, ConcurrentStreams * ConcurrentTokens / seconds, seconds);
        }
        Cluster.Engine.Models.DecodeGemv.SmallBatchKernel = true;
        // The same batch through the model alone: what the engine's scheduling, sampling and 16-bit KV add to a step.
        double step = ForwardLoop.DecodeStepSeconds(config, folder.Weights, options.Threads, batch: ConcurrentStreams, PromptTokens, ConcurrentTokens, options.RooflineRuns);
        streams.Add("fp32, model forward alone (fp32 KV, no engine, no sampling)", ConcurrentStreams / step, ConcurrentTokens * step);
        streams.Print(Console.Out);
        Console.WriteLine();

        Console.WriteLine("### Prompt processing (one request, max_tokens 1, no prefix cache)");
        Console.WriteLine();
        var prefill = new MarkdownTable("prompt tokens", "--max-num-batched-tokens", "dtype", "TTFT ms", "prompt tokens/s");
        foreach (int length in PrefillLengths)
        {
            foreach (int chunk in new[] { 256, 2048 })
            {
                foreach (var dtype in new[] { ModelDtype.Auto, ModelDtype.BFloat16 })
                {
                    double ms = await PrefillMillisecondsAsync(folder, options, length, chunk, dtype).ConfigureAwait(false);
                    prefill.Add(length.ToString(CultureInfo.InvariantCulture), chunk.ToString(CultureInfo.InvariantCulture), dtype == ModelDtype.Auto ? "fp32" : "bf16", ms, length / ms * 1000);
                }
            }
        }
        prefill.Print(Console.Out);
        // The same prompt's matrix products alone (the layers' fused projections, 256 rows at a time, no LM head, no
        // attention): how much of the time to first token is libtorch's GEMM.
        var layers = FusedProjections(config).SkipLast(1).ToList();
        foreach (int length in PrefillLengths)
        {
            double passes = TorchThread.Run(options.Threads, () => LinearChain.PassesPerSecond(layers, passes: 3, rows: 256));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{length} tokens' projections alone, libtorch fp32 linear in chunks of 256 rows: {length / 256 * 1000 / passes:0} ms ({2.0 * length * layers.Sum(l => l.Rows * l.Columns) * passes / (length / 256) / 1e9:0} GFLOP/s)"));
        }
        Console.WriteLine();
    }

    private static readonly int[] PrefillLengths = [512, 2048];

    private const int ConcurrentStreams = 16, ConcurrentTokens = 64;

    /// <summary>Wall time for <see cref="ConcurrentStreams"/> requests started together, best of the roofline's runs.</summary>
    private static async Task<double> ConcurrentDecodeSecondsAsync(ModelFolder folder, BenchOptions options, ModelDtype dtype, KvCacheDtype kv)
    {
        await using var engine = new InferenceEngine(folder.Config, folder.Weights, new EngineOptions
        {
            MaxSequences = ConcurrentStreams,
            MaxSequenceLength = PromptTokens + ConcurrentTokens + 16,
            EnablePrefixCaching = false,
            Dtype = dtype,
            KvCacheDtype = kv,
            Threads = options.Threads,
        });
        await engine.Ready.ConfigureAwait(false);
        var client = new EngineClient(engine, EngineClient.PromptOfLength(folder.Tokenizer, PromptTokens), ConcurrentTokens);
        double best = double.MaxValue;
        for (int run = 0; run <= options.RooflineRuns; run++)
        {
            var started = System.Diagnostics.Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, ConcurrentStreams).Select(_ => client.SendAsync(new RequestTiming(ConcurrentTokens + 1), CancellationToken.None))).ConfigureAwait(false);
            if (run > 0) best = Math.Min(best, started.Elapsed.TotalSeconds); // run 0 warms up
        }
        return best;
    }

    /// <summary>Time to the first token of a prompt of <paramref name="length"/> tokens, best of the roofline's runs.</summary>
    private static async Task<double> PrefillMillisecondsAsync(ModelFolder folder, BenchOptions options, int length, int chunk, ModelDtype dtype)
    {
        await using var engine = new InferenceEngine(folder.Config, folder.Weights, new EngineOptions
        {
            MaxSequences = 1,
            MaxSequenceLength = length + 8,
            MaxTokensPerStep = chunk,
            EnablePrefixCaching = false,
            Dtype = dtype,
            Threads = options.Threads,
        });
        await engine.Ready.ConfigureAwait(false);
        var client = new EngineClient(engine, EngineClient.PromptOfLength(folder.Tokenizer, length), 1);
        await client.SendAsync(new RequestTiming(2), CancellationToken.None).ConfigureAwait(false);
        double best = double.MaxValue;
        for (int run = 0; run < options.RooflineRuns; run++)
        {
            var timing = new RequestTiming(2);
            await client.SendAsync(timing, CancellationToken.None).ConfigureAwait(false);
            best = Math.Min(best, timing.TimeToFirstTokenMs);
        }
        return best;
    }

    /// <summary>
    /// The model's matrices as a loader could lay them out: q, k and v stacked into one projection and gate and up into
    /// another. The bytes are the same; this shows whether fewer, larger products would read them faster.
    /// </summary>
    private static List<(long Rows, long Columns)> FusedProjections(ModelConfig config)
    {
        long hidden = config.HiddenSize, queries = (long)config.NumAttentionHeads * config.HeadDim, keys = (long)config.NumKeyValueHeads * config.HeadDim;
        (long, long)[] layer = [(queries + 2 * keys, hidden), (hidden, queries), (2L * config.IntermediateSize, hidden), (hidden, config.IntermediateSize)];
        return [.. Enumerable.Repeat(layer, config.NumHiddenLayers).SelectMany(l => l), (config.VocabSize, hidden)];
    }

    private static async Task<double> EngineDecodeAsync(ModelFolder folder, BenchOptions options, ModelDtype dtype, KvCacheDtype kvCacheDtype)
    {
        await using var engine = new InferenceEngine(folder.Config, folder.Weights, new EngineOptions
        {
            MaxSequences = 1,
            MaxSequenceLength = PromptTokens + options.RooflineTokens + 16,
            Threads = options.Threads,
            Dtype = dtype,
            KvCacheDtype = kvCacheDtype,
        });
        await engine.Ready.ConfigureAwait(false);
        var prompt = EngineClient.PromptOfLength(folder.Tokenizer, PromptTokens);
        var warmUp = new EngineClient(engine, prompt, 8);
        await warmUp.SendAsync(new RequestTiming(9), CancellationToken.None).ConfigureAwait(false);
        var client = new EngineClient(engine, prompt, options.RooflineTokens);
        double best = 0;
        for (int run = 0; run < options.RooflineRuns; run++)
        {
            var timing = new RequestTiming(options.RooflineTokens + 1);
            await client.SendAsync(timing, CancellationToken.None).ConfigureAwait(false);
            best = Math.Max(best, timing.DecodeTokensPerSecond);
        }
        return best;
    }
}
