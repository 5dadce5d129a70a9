using System.Diagnostics;

namespace Cluster.Engine.Bench;

/// <summary>
/// A closed-loop load: <c>concurrency</c> clients each send requests back to back, so exactly that many streams
/// are in flight. The same driver runs the engine alone and the full HTTP stack, so their figures compare.
/// </summary>
internal static class ClosedLoopLoad
{
    /// <param name="send">Sends one request, filling in its timing (start, arrivals, token counts).</param>
    public static async Task<LoadResult> RunAsync(int concurrency, int requestsPerClient, int maxTokens,
        Func<RequestTiming, CancellationToken, Task> send, CancellationToken cancellationToken)
    {
        var timings = new RequestTiming[concurrency * requestsPerClient];
        for (int i = 0; i < timings.Length; i++) timings[i] = new RequestTiming(maxTokens + 1);
        var wall = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(client => Task.Run(async () =>
        {
            for (int r = 0; r < requestsPerClient; r++)
                await send(timings[client * requestsPerClient + r], cancellationToken).ConfigureAwait(false);
        }, cancellationToken))).ConfigureAwait(false);
        wall.Stop();
        var result = LoadResult.From(concurrency, timings, wall.Elapsed.TotalSeconds);
        long expected = (long)timings.Length * maxTokens;
        if (result.OutputTokens != expected)
            Console.Error.WriteLine($"warning: {result.OutputTokens} output tokens, expected {expected}");
        return result;
    }

    /// <summary>
    /// Untimed rounds of the same load until the tiered JIT's background thread has gone quiet (at most
    /// <see cref="MaxWarmUpRounds"/>): grain activations, pooled connections and torch's kernels settle in the first
    /// round, but tier-1 recompilation of the hot paths keeps a core busy for several more on a small machine, and a
    /// long-running server is past that.
    /// </summary>
    public static async Task WarmUpAsync(int concurrency, int maxTokens, Func<RequestTiming, CancellationToken, Task> send)
    {
        for (int round = 0; round < MaxWarmUpRounds; round++)
        {
            var before = ThreadCpuProfile.Capture();
            var result = await RunAsync(concurrency, 1, maxTokens, send, CancellationToken.None).ConfigureAwait(false);
            double jitSeconds = ThreadCpuProfile.Capture().SecondsSince(before).GetValueOrDefault(JitThread);
            if (jitSeconds < QuietJitShare * result.WallSeconds) return;
        }
    }

    private const int MaxWarmUpRounds = 6;

    /// <summary>JIT CPU below this share of a round's wall time counts as quiet.</summary>
    private const double QuietJitShare = 0.02;

    private static readonly string JitThread = ThreadCpuProfile.KernelThreadName(".NET Tiered Compilation Worker");
}
