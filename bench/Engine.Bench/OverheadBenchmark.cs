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
    private const string EngineThread = "inference-engin";
    private const int WarmUpTokens = ConcurrencyBenchmark.WarmUpTokens;

    public static async Task RunAsync(BenchOptions options, InProcessCluster cluster, string modelDescription)
    {
        int concurrency = options.OverheadConcurrency;
        await ConcurrencyBenchmark.WarmUpAsync(cluster, concurrency).ConfigureAwait(false);
        using var http = new ChatCompletionsClient(cluster.Address, InProcessCluster.ModelName, ConcurrencyBenchmark.UserMessage, options.MaxTokens);
        var (gateway, gatewayCpu) = await ProfiledAsync(() => ClosedLoopLoad.RunAsync(concurrency, options.RequestsPerClient, options.MaxTokens, http.SendAsync, CancellationToken.None))
            .ConfigureAwait(false);

        using var folder = ModelFolder.Load(cluster.Model.ModelPath);
        var (engine, engineCpu) = await EngineAloneAsync(options, cluster, folder, gateway.PromptTokens).ConfigureAwait(false);
        double stepSeconds = ForwardLoop.DecodeStepSeconds(folder.Config, folder.Weights, options.Threads, concurrency, gateway.PromptTokens, options.MaxTokens, runs: 1);

        Console.WriteLine($"## Stack overhead at concurrency {concurrency} — {modelDescription}, {Environment.ProcessorCount} cores");
        Console.WriteLine();
        Console.WriteLine($"Same load on each path: {concurrency} concurrent streams × {options.RequestsPerClient} requests, prompt {gateway.PromptTokens} tokens, "
            + $"{options.MaxTokens} output tokens (greedy, EOS ignored). ms/token = wall time / all generated tokens. "
            + "CPU columns: thread CPU time per generated token, engine threads (incl. libtorch workers) vs all others (Kestrel, Orleans, grains, the load client).");
        Console.WriteLine();
        var table = new MarkdownTable("Path", "output tok/s", "ms/token", "vs engine", "CPU ms/token engine", "CPU ms/token other");
        table.Add("model forward only (decode steps)", concurrency / stepSeconds, stepSeconds * 1000 / concurrency, double.NaN, double.NaN, double.NaN);
        AddRow(table, "engine loop (InferenceEngine)", engine, engineCpu, engine);
        AddRow(table, "gateway + grains + engine (HTTP SSE)", gateway, gatewayCpu, engine);
        table.Print(Console.Out);
        double overhead = gateway.MillisecondsPerToken / engine.MillisecondsPerToken - 1;
        Console.WriteLine($"Target: stack overhead ≤ {Target:P0} — {(overhead <= Target ? "met" : "missed")} ({overhead:P0}).");
        Console.WriteLine();

        var threads = new MarkdownTable("Thread (gateway run)", "CPU s", "CPU ms/token");
        foreach (var (name, seconds) in gatewayCpu.OrderByDescending(p => p.Value).Take(8))
            threads.Add(name, seconds, seconds * 1000 / gateway.OutputTokens);
        threads.Print(Console.Out);
    }

    private static void AddRow(MarkdownTable table, string name, LoadResult result, IReadOnlyDictionary<string, double> cpu, LoadResult engine)
    {
        double engineCpu = cpu.GetValueOrDefault(EngineThread);
        double otherCpu = cpu.Values.Sum() - engineCpu;
        table.Add(name, result.OutputTokensPerSecond, result.MillisecondsPerToken,
            $"{100 * (result.MillisecondsPerToken / engine.MillisecondsPerToken - 1):+0;-0;0}%",
            engineCpu * 1000 / result.OutputTokens, otherCpu * 1000 / result.OutputTokens);
    }

    private static async Task<(LoadResult, IReadOnlyDictionary<string, double>)> EngineAloneAsync(
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
        var warmUp = new EngineClient(engine, prompt, WarmUpTokens);
        await ClosedLoopLoad.RunAsync(options.OverheadConcurrency, 1, WarmUpTokens, warmUp.SendAsync, CancellationToken.None).ConfigureAwait(false);
        var client = new EngineClient(engine, prompt, options.MaxTokens);
        return await ProfiledAsync(() => ClosedLoopLoad.RunAsync(options.OverheadConcurrency, options.RequestsPerClient, options.MaxTokens, client.SendAsync, CancellationToken.None))
            .ConfigureAwait(false);
    }

    private static async Task<(LoadResult, IReadOnlyDictionary<string, double>)> ProfiledAsync(Func<Task<LoadResult>> run)
    {
        var before = ThreadCpuProfile.Capture();
        var result = await run().ConfigureAwait(false);
        return (result, ThreadCpuProfile.Capture().SecondsSince(before));
    }
}
