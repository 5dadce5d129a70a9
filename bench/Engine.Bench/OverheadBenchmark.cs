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
        using var folder = ModelFolder.Load(cluster.Model.ModelPath);
        using var http = new ChatCompletionsClient(cluster.Address, InProcessCluster.ModelName, ConcurrencyBenchmark.UserMessage, options.MaxTokens);
        await ClosedLoopLoad.WarmUpAsync(concurrency, options.MaxTokens, http.SendAsync).ConfigureAwait(false);
        // The usage chunk tells how long the rendered chat prompt is; the engine alone gets a prompt of that length.
        var probe = new RequestTiming(options.MaxTokens + 1);
        await http.SendAsync(probe, CancellationToken.None).ConfigureAwait(false);

        // The options ModelHost gives the served engine, so only the stack above differs. Both engines stay loaded and
        // the runs alternate; the idle one sleeps on its queue.
        var served = cluster.Model;
        await using var alone = new InferenceEngine(folder.Config, folder.Weights, served.ToEngineOptions());
        await alone.Ready.ConfigureAwait(false);
        var direct = new EngineClient(alone, EngineClient.PromptOfLength(folder.Tokenizer, probe.PromptTokens), options.MaxTokens);
        await ClosedLoopLoad.WarmUpAsync(concurrency, options.MaxTokens, direct.SendAsync).ConfigureAwait(false);

        var (engineRun, gatewayRun) = await BestOf.InterleavedAsync(options.Repeats,
            () => ProfiledAsync(alone, () => ClosedLoopLoad.RunAsync(concurrency, options.RequestsPerClient, options.MaxTokens, direct.SendAsync, CancellationToken.None)),
            () => ProfiledAsync(cluster.Engine, () => ClosedLoopLoad.RunAsync(concurrency, options.RequestsPerClient, options.MaxTokens, http.SendAsync, CancellationToken.None)),
            r => r.Result.OutputTokensPerSecond).ConfigureAwait(false);
        var (engine, gateway) = (engineRun.Result, gatewayRun.Result);
        double stepSeconds = ForwardLoop.DecodeStepSeconds(folder.Config, folder.Weights, options.Threads, concurrency, gateway.PromptTokens, options.MaxTokens, options.Repeats);

        Console.WriteLine($"## Stack overhead at concurrency {concurrency} — {modelDescription}, {Environment.ProcessorCount} cores");
        Console.WriteLine();
        Console.WriteLine($"Same load on each path (best of {options.Repeats} alternating runs): {concurrency} concurrent streams × {options.RequestsPerClient} requests, prompt {gateway.PromptTokens} tokens, "
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

    /// <summary>One run, with the CPU the process's threads spent and the engine's mean batch during it.</summary>
    private static async Task<ProfiledRun> ProfiledAsync(InferenceEngine engine, Func<Task<LoadResult>> run)
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
    }

    private sealed record ProfiledRun(LoadResult Result, IReadOnlyDictionary<string, double> Cpu, double MeanBatch);
}
