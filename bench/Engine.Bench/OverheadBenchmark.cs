using Cluster.Engine.ModelFiles;
using Cluster.Engine.Scheduling;

namespace Cluster.Engine.Bench;

/// <summary>
/// What the serving stack costs per generated token: the same load (same prompt length, output length and
/// concurrency) through gateway + grains + engine, through the engine alone, and as bare forward steps. Thread CPU
/// time splits each run into tensor work (the engine's threads) and everything else.
/// </summary>
internal static class OverheadBenchmark
{
    private const double Target = 0.10;
    private static readonly string EngineThread = ThreadCpuProfile.KernelThreadName("inference-engine");

    public static async Task RunAsync(BenchOptions options, InProcessCluster cluster, string modelDescription)
    {
        int concurrency = options.OverheadConcurrency;
        using var http = new ChatCompletionsClient(cluster.Address, InProcessCluster.ModelName, ConcurrencyBenchmark.UserMessage, options.MaxTokens);
        await ClosedLoopLoad.WarmUpAsync(concurrency, options.MaxTokens, http.SendAsync).ConfigureAwait(false);
        var gatewayRun = await ProfiledAsync(options.Repeats, cluster.Engine,
            () => ClosedLoopLoad.RunAsync(concurrency, options.RequestsPerClient, options.MaxTokens, http.SendAsync, CancellationToken.None)).ConfigureAwait(false);

        using var folder = ModelFolder.Load(cluster.Model.ModelPath);
        var gateway = gatewayRun.Result;
        var engineRun = await EngineAloneAsync(options, cluster, folder, gateway.PromptTokens).ConfigureAwait(false);
        var engine = engineRun.Result;
        double stepSeconds = ForwardLoop.DecodeStepSeconds(folder.Config, folder.Weights, options.Threads, concurrency, gateway.PromptTokens, options.MaxTokens, options.Repeats);

        Console.WriteLine($"## Stack overhead at concurrency {concurrency} — {modelDescription}, {Environment.ProcessorCount} cores");
        Console.WriteLine();
        Console.WriteLine($"Same load on each path (best of {options.Repeats} runs): {concurrency} concurrent streams × {options.RequestsPerClient} requests, prompt {gateway.PromptTokens} tokens, "
            + $"{options.MaxTokens} output tokens (greedy, EOS ignored). ms/token = wall time / all generated tokens. "
            + "CPU columns: thread CPU time per generated token, engine threads (incl. libtorch workers) vs all others (Kestrel, Orleans, grains, the load client).");
        Console.WriteLine();
        var table = new MarkdownTable("Path", "output tok/s", "ms/token", "vs engine", "mean batch", "CPU ms/token engine", "CPU ms/token other");
        table.Add("model forward only (decode steps)", concurrency / stepSeconds, stepSeconds * 1000 / concurrency, double.NaN, (double)concurrency, double.NaN, double.NaN);
        AddRow(table, "engine loop (InferenceEngine)", engineRun, engine);
        AddRow(table, "gateway + grains + engine (HTTP SSE)", gatewayRun, engine);
        table.Print(Console.Out);
        double overhead = gateway.MillisecondsPerToken / engine.MillisecondsPerToken - 1;
        Console.WriteLine($"Target: stack overhead ≤ {Target:P0} — {(overhead <= Target ? "met" : "missed")} ({overhead:P1}).");
        Console.WriteLine();

        var threads = new MarkdownTable("Thread (gateway run)", "CPU s", "CPU ms/token");
        foreach (var (name, seconds) in gatewayRun.Cpu.OrderByDescending(p => p.Value).Take(8))
            threads.Add(name, seconds, seconds * 1000 / gateway.OutputTokens);
        threads.Print(Console.Out);
    }

    private static void AddRow(MarkdownTable table, string name, ProfiledRun run, LoadResult engine)
    {
        var result = run.Result;
        double engineCpu = run.Cpu.GetValueOrDefault(EngineThread);
        double otherCpu = run.Cpu.Values.Sum() - engineCpu;
        table.Add(name, result.OutputTokensPerSecond, result.MillisecondsPerToken,
            $"{100 * (result.MillisecondsPerToken / engine.MillisecondsPerToken - 1):+0;-0;0}%",
            run.MeanBatch, engineCpu * 1000 / result.OutputTokens, otherCpu * 1000 / result.OutputTokens);
    }

    private static async Task<ProfiledRun> EngineAloneAsync(
        BenchOptions options, InProcessCluster cluster, ModelFolder folder, int promptTokens)
    {
        var served = cluster.Model;
        // The options ModelHost gives the served engine, so only the stack above differs.
        await using var engine = new InferenceEngine(folder.Config, folder.Weights, new EngineOptions
        {
            MaxSequences = served.MaxSequences,
            MaxSequenceLength = served.MaxModelLength,
            MaxTokensPerStep = served.MaxTokensPerStep,
            Threads = served.Threads,
            KvCacheTokens = served.KvCacheTokens,
        });
        await engine.Ready.ConfigureAwait(false);
        var prompt = EngineClient.PromptOfLength(folder.Tokenizer, promptTokens);
        var client = new EngineClient(engine, prompt, options.MaxTokens);
        await ClosedLoopLoad.WarmUpAsync(options.OverheadConcurrency, options.MaxTokens, client.SendAsync).ConfigureAwait(false);
        return await ProfiledAsync(options.Repeats, engine,
            () => ClosedLoopLoad.RunAsync(options.OverheadConcurrency, options.RequestsPerClient, options.MaxTokens, client.SendAsync, CancellationToken.None)).ConfigureAwait(false);
    }

    /// <summary>The fastest of the runs, with the CPU its threads spent and the engine's mean batch during that run.</summary>
    private static Task<ProfiledRun> ProfiledAsync(int repeats, InferenceEngine engine, Func<Task<LoadResult>> run) =>
        BestOf.RunAsync(repeats, async () =>
        {
            var before = ThreadCpuProfile.Capture();
            LoadResult result;
            double batch;
            await using (var occupancy = BatchOccupancy.Start(engine))
            {
                result = await run().ConfigureAwait(false);
                batch = occupancy.MeanRunning;
            }
            return new ProfiledRun(result, ThreadCpuProfile.Capture().SecondsSince(before), batch);
        }, r => r.Result.OutputTokensPerSecond);

    private sealed record ProfiledRun(LoadResult Result, IReadOnlyDictionary<string, double> Cpu, double MeanBatch);
}
