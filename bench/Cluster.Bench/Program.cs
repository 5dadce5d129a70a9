using System.Diagnostics;
using System.Globalization;
using System.Text;
using Cluster.Tests;

// Cluster benchmarks on real processes on loopback. Usage:
//   dotnet run -c Release --project bench/Cluster.Bench -- [routing|failover|stateless-memory|agent-loop|all] [--kills N] [--requests N] [--concurrency 1,8]
string command = args.FirstOrDefault(a => !a.StartsWith("--", StringComparison.Ordinal)) ?? "all";
int Option(string name, int fallback) => Array.IndexOf(args, name) is int i and >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
Console.WriteLine($"# Cluster benchmarks — {Environment.ProcessorCount} cores, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, load {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
if (command is "routing" or "all") await RoutingBenchmark.RunAsync();
if (command is "failover" or "all") await FailoverBenchmark.RunAsync(Option("--kills", 10));
if (command is "stateless-memory" or "all") await StatelessMemoryBenchmark.RunAsync(Option("--requests", 10_000));
if (command is "agent-loop" or "all")
{
    string levels = Array.IndexOf(args, "--concurrency") is int c and >= 0 && c + 1 < args.Length ? args[c + 1] : "1,8";
    await AgentLoopBenchmark.RunAsync(levels.Split(',').Select(l => int.Parse(l, CultureInfo.InvariantCulture)).ToArray());
}
return 0;

/// <summary>Routed streaming throughput and TTFT through a gateway process with 1 and 2 silo replicas.</summary>
internal static class RoutingBenchmark
{
    public static async Task RunAsync()
    {
        Console.WriteLine("\n## Routing: 16 concurrent streams × 4 requests × 64 tokens through a gateway process");
        Console.WriteLine("On 2 cores every silo shares the same cores, so this shows routing overhead, not scaling.\n");
        Console.WriteLine("| replicas | tokens/s | TTFT p50 ms | TTFT p99 ms | tokens per replica |");
        Console.WriteLine("|---|---|---|---|---|");
        foreach (int replicas in new[] { 1, 2 })
        {
            await using var cluster = await LocalCluster.StartAsync();
            string model = await cluster.MakeModelAsync();
            for (int i = 0; i < replicas; i++) await cluster.StartSiloAsync(model, "tiny");
            var gateway = await cluster.StartGatewayAsync();
            await Load.RunAsync(gateway, 16, 1, 16); // warm-up
            await Task.Delay(1500);
            var before = await Load.TokensPerReplicaAsync(gateway);
            var (tokensPerSecond, ttft) = await Load.RunAsync(gateway, 16, 4, 64);
            await Task.Delay(2500);
            var after = await Load.TokensPerReplicaAsync(gateway);
            string split = string.Join(" / ", after.Select(kv => (kv.Value - before.GetValueOrDefault(kv.Key)).ToString("0", CultureInfo.InvariantCulture)));
            Console.WriteLine($"| {replicas} | {tokensPerSecond:0} | {Load.Percentile(ttft, 50):0} | {Load.Percentile(ttft, 99):0} | {split} |");
        }
    }
}

/// <summary>kill -9 of a silo under load: time to the streams' error events and to the first successful new request.</summary>
internal static class FailoverBenchmark
{
    public static async Task RunAsync(int kills)
    {
        Console.WriteLine($"\n## Failover: {kills} × kill -9 of one of two replicas under 4 streams\n");
        await using var cluster = await LocalCluster.StartAsync();
        string model = await cluster.MakeModelAsync();
        var silos = new List<LocalCluster.Silo> { await cluster.StartSiloAsync(model, "tiny"), await cluster.StartSiloAsync(model, "tiny") };
        var gateway = await cluster.StartGatewayAsync();
        var toError = new List<double>();
        var toSuccess = new List<double>();
        for (int k = 0; k < kills; k++)
        {
            await WaitForReplicasAsync(gateway, 2);
            var started = Enumerable.Range(0, 4).Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).ToArray();
            var streams = started.Select(s => gateway.StreamAsync("tiny", 1500, s)).ToArray();
            await Task.WhenAll(started.Select(s => s.Task)).WaitAsync(TimeSpan.FromSeconds(60));
            var victim = silos[k % 2];
            var killedAt = DateTime.UtcNow;
            victim.Process.Kill();
            // Keep sending new requests until one succeeds.
            var firstSuccess = Task.Run(async () =>
            {
                while (true)
                {
                    var (status, _) = await gateway.ChatAsync("tiny", "still there?", maxTokens: 2);
                    if (status == 200) return DateTime.UtcNow;
                    await Task.Delay(50);
                }
            });
            var outcomes = await Task.WhenAll(streams).WaitAsync(TimeSpan.FromSeconds(120));
            toError.AddRange(outcomes.Where(o => o.Error is not null).Select(o => (o.EndedAt - killedAt).TotalSeconds));
            toSuccess.Add(((await firstSuccess) - killedAt).TotalSeconds);
            silos[k % 2] = await cluster.StartSiloAsync(model, "tiny");
        }
        Console.WriteLine("| measure | samples | p50 s | max s |");
        Console.WriteLine("|---|---|---|---|");
        Console.WriteLine($"| kill → stream error event | {toError.Count} | {Load.Percentile(toError, 50):0.00} | {toError.DefaultIfEmpty().Max():0.00} |");
        Console.WriteLine($"| kill → first successful new request | {toSuccess.Count} | {Load.Percentile(toSuccess, 50):0.00} | {toSuccess.Max():0.00} |");
    }

    private static async Task WaitForReplicasAsync(LocalCluster.Gateway gateway, int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            var models = await gateway.ModelsAsync();
            if (models.Sum(m => m!["replicas"]!.AsArray().Count) == count) return;
            await Task.Delay(200);
        }
        throw new TimeoutException($"{count} replicas never listed");
    }
}

/// <summary>Resident memory of a one-process server (`serve`) before and after N stateless requests.</summary>
internal static class StatelessMemoryBenchmark
{
    public static async Task RunAsync(int requests)
    {
        Console.WriteLine($"\n## Stateless memory: {requests:N0} requests without X-Session-Id to one `serve` process\n");
        int port = ClusterProcess.FreePort();
        string cache = Path.Combine(Path.GetTempPath(), "cluster-bench-serve");
        string gatewayBinary = Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", "Gateway", "bin",
            new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name, "net10.0", "Cluster.Gateway");
        await using var serve = ClusterProcess.Start("serve", Path.GetFullPath(gatewayBinary), ["serve", "--port", port.ToString(CultureInfo.InvariantCulture), "--grpc-port", "0", "--cache-dir", cache, "--threads", "1"]);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (true)
        {
            try
            {
                if ((await http.GetAsync("/health")).IsSuccessStatusCode) break;
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
            }
            await Task.Delay(200);
        }
        var gateway = new LocalCluster.Gateway(serve, http.BaseAddress);
        async Task Send(int count)
        {
            int next = 0;
            await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
            {
                while (Interlocked.Increment(ref next) <= count)
                {
                    var (status, body) = await gateway.ChatAsync("tiny", "hi", maxTokens: 1);
                    if (status != 200) throw new InvalidOperationException(body?.ToJsonString());
                }
            }));
        }
        await Send(500); // warm-up: JIT, pools, caches
        await Task.Delay(2000);
        long start = Rss(serve.Id);
        var stopwatch = Stopwatch.StartNew();
        await Send(requests);
        await Task.Delay(5000); // let deactivations and a GC happen
        long end = Rss(serve.Id);
        Console.WriteLine("| requests | seconds | RSS before MB | RSS after MB | growth MB |");
        Console.WriteLine("|---|---|---|---|---|");
        Console.WriteLine($"| {requests:N0} | {stopwatch.Elapsed.TotalSeconds:0} | {start / 1e6:0} | {end / 1e6:0} | {(end - start) / 1e6:0} |");
    }

    private static long Rss(int pid) =>
        File.ReadAllLines($"/proc/{pid}/status").Where(l => l.StartsWith("VmRSS:", StringComparison.Ordinal))
            .Select(l => long.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024).Single();
}

/// <summary>Closed-loop streaming clients.</summary>
internal static class Load
{
    public static async Task<(double TokensPerSecond, List<double> TtftMs)> RunAsync(LocalCluster.Gateway gateway, int concurrency, int requestsPerClient, int maxTokens)
    {
        var ttft = new List<double>();
        long tokens = 0;
        var stopwatch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            for (int r = 0; r < requestsPerClient; r++)
            {
                var sent = Stopwatch.StartNew();
                var first = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                var stream = gateway.StreamAsync("tiny", maxTokens, first);
                await Task.WhenAny(first.Task, stream);
                double ms = sent.Elapsed.TotalMilliseconds;
                var outcome = await stream;
                if (outcome.Error is not null) throw new InvalidOperationException(outcome.Error);
                lock (ttft) ttft.Add(ms);
                Interlocked.Add(ref tokens, maxTokens);
            }
        }));
        return (tokens / stopwatch.Elapsed.TotalSeconds, ttft);
    }

    public static async Task<Dictionary<string, double>> TokensPerReplicaAsync(LocalCluster.Gateway gateway)
    {
        string text = await gateway.Http.GetStringAsync("/metrics");
        return text.Split('\n').Where(l => l.StartsWith("vllm:generation_tokens_total{", StringComparison.Ordinal))
            .ToDictionary(l => l[(l.IndexOf("replica=\"", StringComparison.Ordinal) + 9)..].Split('"')[0],
                l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
    }

    public static double Percentile(List<double> values, int p)
    {
        if (values.Count == 0) return double.NaN;
        var sorted = values.Order().ToList();
        return sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p / 100.0 * sorted.Count) - 1)];
    }
}
