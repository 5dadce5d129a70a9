using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Cluster.Tests;

/// <summary>
/// Prefix caching on an agent loop, as OpenAI clients run one: every turn resends the whole conversation (stateless),
/// with 20 tools in the system prompt; each turn the model calls a tool (<c>tool_choice: "required"</c>) and the
/// client answers with a tool result. Time to first token (the first streamed delta after the role chunk) per turn,
/// and the prompt tokens the replicas computed versus found cached (their <c>/metrics</c> counters), with caching on
/// and off, at concurrency 1 and 8; then two replicas with prefix-aware routing against least-loaded only.
/// </summary>
internal static class AgentLoopBenchmark
{
    private const string Model = "agent";
    private const int Turns = 6;

    /// <summary>A model where prefill dominates time to first token on a CPU: hidden 512, 8 layers (~25M parameters).</summary>
    private static readonly string[] ModelSize =
    [
        "--hidden-size", "512", "--intermediate-size", "1536", "--num-hidden-layers", "8", "--num-attention-heads", "8",
        "--num-key-value-heads", "4", "--max-position-embeddings", "8192",
    ];

    public static async Task RunAsync(int[] concurrencies)
    {
        Console.WriteLine($"\n## Agent loop: 20 tools, {Turns} turns of tool call + tool result, stateless requests (hidden 512, 8 layers)\n");
        var results = new List<(string Setup, int Concurrency, Run Run)>();
        foreach (int concurrency in concurrencies)
        {
            foreach (bool caching in new[] { false, true })
            {
                string[] flags = caching ? ["--threads", "2"] : ["--threads", "2", "--no-enable-prefix-caching"];
                var run = await RunClusterAsync(1, flags, concurrency);
                results.Add((caching ? "1 replica, caching on" : "1 replica, caching off", concurrency, run));
            }
        }
        PrintTurns(results);

        int routed = concurrencies.Max();
        Console.WriteLine($"\n### Two replicas, caching on, concurrency {routed}: prefix-aware routing vs least-loaded only\n");
        var routing = new List<(string Setup, int Concurrency, Run Run)>();
        foreach (string policy in new[] { "least-loaded", "prefix-aware" })
            routing.Add(($"2 replicas, {policy}", routed, await RunClusterAsync(2, ["--threads", "1", "--routing-policy", policy], routed)));
        PrintTurns(routing);
    }

    private static void PrintTurns(List<(string Setup, int Concurrency, Run Run)> results)
    {
        Console.WriteLine("| setup | concurrency | " + string.Join(" | ", Enumerable.Range(1, Turns).Select(t => $"turn {t} TTFT p50 ms")) + " | prompt tokens | computed | cached | hit rate | turns 2+ hit rate |");
        Console.WriteLine("|---|---|" + string.Concat(Enumerable.Repeat("---|", Turns + 6)));
        foreach (var (setup, concurrency, run) in results)
        {
            var ttfts = Enumerable.Range(0, Turns).Select(t => Load.Percentile(run.Ttft[t], 50).ToString("0", CultureInfo.InvariantCulture));
            Console.WriteLine($"| {setup} | {concurrency} | {string.Join(" | ", ttfts)} | {run.FirstPromptTokens} | {run.PromptTokens:N0} | {run.Queries - run.Hits:N0} | {run.Hits:N0} | " +
                $"{(run.Queries == 0 ? 0 : run.Hits / run.Queries):P1} | {(run.LaterPromptTokens == 0 ? 0 : (double)run.LaterCachedTokens / run.LaterPromptTokens):P1} |");
        }
    }

    private sealed class Run
    {
        public List<double>[] Ttft { get; } = Enumerable.Range(0, Turns).Select(_ => new List<double>()).ToArray();
        public long PromptTokens;
        public int FirstPromptTokens;
        public long LaterPromptTokens;
        public long LaterCachedTokens;
        public double Queries;
        public double Hits;
    }

    private static async Task<Run> RunClusterAsync(int replicas, string[] siloFlags, int concurrency)
    {
        await using var cluster = await LocalCluster.StartAsync();
        string model = await cluster.MakeModelAsync(1, ModelSize);
        for (int i = 0; i < replicas; i++) await cluster.StartSiloAsync(model, Model, ["--max-model-len", "6144", .. siloFlags]);
        var gateway = await cluster.StartGatewayAsync();
        gateway.Http.Timeout = TimeSpan.FromMinutes(10);

        var run = new Run();
        var before = await CountersAsync(gateway);
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(c => ConversationAsync(gateway, c, run)));
        await Task.Delay(2500); // the replicas' load reports (every second) carry the counters
        var after = await CountersAsync(gateway);
        run.Queries = after.Queries - before.Queries;
        run.Hits = after.Hits - before.Hits;
        return run;
    }

    private static async Task<(double Queries, double Hits)> CountersAsync(LocalCluster.Gateway gateway)
    {
        string text = await gateway.Http.GetStringAsync("/metrics");
        double Sum(string name) => text.Split('\n').Where(l => l.StartsWith(name + "{", StringComparison.Ordinal))
            .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
        return (Sum("vllm:prefix_cache_queries_total"), Sum("vllm:prefix_cache_hits_total"));
    }

    private static async Task ConversationAsync(LocalCluster.Gateway gateway, int conversation, Run run)
    {
        var messages = new JsonArray
        {
            new JsonObject { ["role"] = "system", ["content"] = "You are an operations agent. Use the tools to answer; call one tool per turn." },
            new JsonObject { ["role"] = "user", ["content"] = $"Ticket {1000 + conversation}: the checkout service in region eu-{conversation % 3} is slow. Investigate and report." },
        };
        for (int turn = 0; turn < Turns; turn++)
        {
            var body = new JsonObject
            {
                ["model"] = Model,
                ["messages"] = messages.DeepClone(),
                ["tools"] = Tools.DeepClone(),
                ["tool_choice"] = "required",
                ["max_tokens"] = 48,
                ["temperature"] = 0,
                ["stream"] = true,
                ["stream_options"] = new JsonObject { ["include_usage"] = true },
            };
            var reply = await StreamAsync(gateway, body);
            lock (run)
            {
                run.Ttft[turn].Add(reply.TtftMs);
                run.PromptTokens += reply.PromptTokens;
                if (turn == 0) run.FirstPromptTokens = reply.PromptTokens;
                if (turn > 0)
                {
                    run.LaterPromptTokens += reply.PromptTokens;
                    run.LaterCachedTokens += reply.CachedTokens;
                }
            }
            string callId = $"call_{conversation}_{turn}";
            messages.Add(new JsonObject
            {
                ["role"] = "assistant",
                ["content"] = null,
                ["tool_calls"] = new JsonArray
                {
                    new JsonObject
                    {
                        ["id"] = callId,
                        ["type"] = "function",
                        ["function"] = new JsonObject { ["name"] = reply.ToolName ?? "get_service_status", ["arguments"] = ValidJson(reply.Arguments) },
                    },
                },
            });
            messages.Add(new JsonObject
            {
                ["role"] = "tool",
                ["tool_call_id"] = callId,
                ["content"] = $"{{\"status\":\"ok\",\"turn\":{turn},\"latency_ms\":{120 + 37 * turn + conversation},\"region\":\"eu-{conversation % 3}\",\"notes\":\"p99 latency above target since 09:{10 + turn:00}; error rate 0.{turn}%\"}}",
            });
        }
    }

    /// <summary>A call cut by <c>max_tokens</c> has truncated arguments; the client sends back what a real one would: an object.</summary>
    private static string ValidJson(string arguments)
    {
        try
        {
            return JsonNode.Parse(arguments) is JsonObject ? arguments : "{}";
        }
        catch (System.Text.Json.JsonException)
        {
            return "{}";
        }
    }

    private sealed record Reply(double TtftMs, string? ToolName, string Arguments, int PromptTokens, int CachedTokens);

    private static async Task<Reply> StreamAsync(LocalCluster.Gateway gateway, JsonObject body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8, new MediaTypeHeaderValue("application/json")),
        };
        var sent = Stopwatch.StartNew();
        using var response = await gateway.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        double ttft = double.NaN;
        string? name = null;
        var arguments = new StringBuilder();
        int prompt = 0, cached = 0;
        while (await reader.ReadLineAsync() is { } line)
        {
            if (!line.StartsWith("data: ", StringComparison.Ordinal)) continue;
            string data = line[6..];
            if (data == "[DONE]") break;
            var chunk = JsonNode.Parse(data)!;
            if (chunk["error"] is { } error) throw new InvalidOperationException(error.ToJsonString());
            if (chunk["usage"] is JsonObject usage)
            {
                prompt = usage["prompt_tokens"]!.GetValue<int>();
                cached = usage["prompt_tokens_details"]?["cached_tokens"]?.GetValue<int>() ?? 0;
            }
            if (chunk["choices"] is not JsonArray { Count: > 0 } choices || choices[0]!["delta"] is not JsonObject delta) continue;
            bool generated = delta["content"]?.GetValue<string>() is { Length: > 0 } || delta["tool_calls"] is not null || delta["reasoning_content"] is not null;
            if (generated && double.IsNaN(ttft)) ttft = sent.Elapsed.TotalMilliseconds;
            foreach (var call in delta["tool_calls"]?.AsArray() ?? [])
            {
                if (call!["function"]?["name"]?.GetValue<string>() is { } n) name ??= n;
                if (call["function"]?["arguments"]?.GetValue<string>() is { } a) arguments.Append(a);
            }
        }
        return new Reply(double.IsNaN(ttft) ? sent.Elapsed.TotalMilliseconds : ttft, name, arguments.ToString(), prompt, cached);
    }

    /// <summary>
    /// 20 function tools shaped like an operations agent's, kept short: the tiny models' tokenizer is trained on a small
    /// corpus and needs about three times the tokens of Llama's for this JSON, so these make the ~2,000-token prompt.
    /// </summary>
    private static readonly JsonArray Tools = new(Enumerable.Range(0, 20).Select(i =>
    {
        string[] areas = ["service", "database", "queue", "cache", "deployment"];
        string[] verbs = ["get", "list", "describe", "restart", "scale"];
        string area = areas[i % areas.Length], verb = verbs[i / areas.Length % verbs.Length];
        return (JsonNode)new JsonObject
        {
            ["type"] = "function",
            ["function"] = new JsonObject
            {
                ["name"] = $"{verb}_{area}_{i}",
                ["description"] = $"{char.ToUpperInvariant(verb[0])}{verb[1..]} a {area}'s state.",
                ["parameters"] = new JsonObject
                {
                    ["type"] = "object",
                    ["properties"] = new JsonObject
                    {
                        ["name"] = new JsonObject { ["type"] = "string" },
                        ["region"] = new JsonObject { ["type"] = "string", ["enum"] = new JsonArray("eu", "us") },
                    },
                    ["required"] = new JsonArray("name", "region"),
                },
            },
        };
    }).ToArray());
}
