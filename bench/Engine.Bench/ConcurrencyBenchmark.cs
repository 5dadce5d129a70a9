namespace Cluster.Engine.Bench;

/// <summary>
/// Aggregate throughput and latency through the real HTTP gateway as concurrent streams grow. Continuous batching
/// should make a step of 16 sequences cost little more than a step of one, so throughput should scale almost linearly
/// until the matrices stop being the bottleneck.
/// </summary>
internal static class ConcurrencyBenchmark
{
    private const double Target = 8.0;

    /// <summary>The user message every request sends.</summary>
    public const string UserMessage = "Write a short story about a lighthouse keeper who finds a message in a bottle.";

    public static async Task RunAsync(BenchOptions options, InProcessCluster cluster, string modelDescription)
    {
        using var client = new ChatCompletionsClient(cluster.Address, InProcessCluster.ModelName, UserMessage, options.MaxTokens);
        await ClosedLoopLoad.WarmUpAsync(options.ConcurrencyLevels.Max(), options.MaxTokens, client.SendAsync).ConfigureAwait(false);

        var results = new List<LoadResult>();
        foreach (int concurrency in options.ConcurrencyLevels)
        {
            // Low concurrency gets more requests so its percentiles rest on more than a couple of samples.
            int requestsPerClient = Math.Max(options.RequestsPerClient, 16 / concurrency);
            results.Add(await BestOf.RunAsync(options.Repeats,
                () => ClosedLoopLoad.RunAsync(concurrency, requestsPerClient, options.MaxTokens, client.SendAsync, CancellationToken.None),
                r => r.OutputTokensPerSecond).ConfigureAwait(false));
        }

        Console.WriteLine($"## Concurrency scaling through the HTTP gateway — {modelDescription}, {Environment.ProcessorCount} cores");
        Console.WriteLine();
        Console.WriteLine($"Streaming chat completions, prompt {results[0].PromptTokens} tokens, {options.MaxTokens} output tokens each "
            + $"(ignore_eos, greedy), closed loop: each client sends its next request when the last ends; in-process server, loopback HTTP/1.1; "
            + $"best of {options.Repeats} runs per level.");
        Console.WriteLine();
        var table = new MarkdownTable("Concurrency", "requests", "output tok/s", "× vs 1", "TTFT p50 ms", "TTFT p99 ms", "ITL p50 ms", "ITL p99 ms");
        var single = results.FirstOrDefault(r => r.Concurrency == 1);
        foreach (var r in results)
        {
            table.Add(r.Concurrency, r.Requests, r.OutputTokensPerSecond, single is null ? double.NaN : r.OutputTokensPerSecond / single.OutputTokensPerSecond,
                r.TimeToFirstTokenP50Ms, r.TimeToFirstTokenP99Ms, r.InterTokenP50Ms, r.InterTokenP99Ms);
        }
        table.Print(Console.Out);
        var at16 = results.FirstOrDefault(r => r.Concurrency == 16);
        if (single is not null && at16 is not null)
        {
            double scaling = at16.OutputTokensPerSecond / single.OutputTokensPerSecond;
            Console.WriteLine($"Target: ≥ {Target:F0}× aggregate throughput at 16 vs 1 — {(scaling >= Target ? "met" : "missed")} ({scaling:F1}×).");
            Console.WriteLine();
        }
        PrintForwardScaling(options, cluster, results[0].PromptTokens);
    }

    /// <summary>
    /// The same batch sizes as bare decode steps of the model: how far the forward pass itself scales, which bounds
    /// what any stack above it can reach.
    /// </summary>
    private static void PrintForwardScaling(BenchOptions options, InProcessCluster cluster, int promptTokens)
    {
        using var folder = Engine.ModelFiles.ModelFolder.Load(cluster.Model.ModelPath);
        var table = new MarkdownTable("Batch (forward only)", "step ms", "ms per sequence", "tokens/s", "× vs 1");
        double? single = null;
        foreach (int batch in options.ConcurrencyLevels)
        {
            double step = ForwardLoop.DecodeStepSeconds(folder.Config, folder.Weights, options.Threads, batch, promptTokens, options.MaxTokens, 2 * options.Repeats);
            single ??= batch / step;
            table.Add(batch, step * 1000, step * 1000 / batch, batch / step, batch / step / single.Value);
        }
        table.Print(Console.Out);
    }
}
