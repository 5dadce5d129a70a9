using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Cluster.Gateway.Grpc;
using Cluster.Gateway.Telemetry;
using Cluster.Inference.V1;
using Cluster.Silo.Telemetry;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace Cluster.Gateway.Tests;

/// <summary>
/// Metrics as Prometheus scrapes them and traces as an OTLP collector would receive them, after real requests through
/// a real co-hosted cluster.
/// </summary>
public sealed class TelemetryEndToEndTests(TelemetryClusterFixture fixture) : IClassFixture<TelemetryClusterFixture>
{
    private const string Model = TelemetryClusterFixture.ModelName;
    private static readonly (string, string) ModelLabel = ("model_name", Model);

    private HttpClient Http => fixture.Cluster.Http;

    private static JsonObject Chat(bool stream, bool tools = true, bool includeUsage = false)
    {
        var body = new JsonObject
        {
            ["model"] = Model,
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "What is the weather in Oslo?" }),
            ["max_tokens"] = 8,
            ["temperature"] = 0,
            ["stream"] = stream,
        };
        if (tools) body["tools"] = ToolCallingEndToEndTests.Tools.DeepClone();
        if (includeUsage) body["stream_options"] = new JsonObject { ["include_usage"] = true };
        return body;
    }

    private async Task<(HttpStatusCode Status, string Body)> PostAsync(JsonObject body, HttpRequestMessage? request = null)
    {
        request ??= new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions");
        request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        using var response = await Http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Scrape_has_vllm_names_and_types_labelled_by_model_and_histogram_counts_equal_the_requests_made()
    {
        var before = await PrometheusScrape.ReadAsync(Http);

        // Three SSE streams with tools (one asking for usage), one gRPC stream, one plain and one constrained response.
        var streams = new List<string>();
        for (int i = 0; i < 3; i++)
        {
            var (status, text) = await PostAsync(Chat(stream: true, includeUsage: i == 0));
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.EndsWith("data: [DONE]", text.TrimEnd());
            streams.Add(text);
        }
        using (var channel = GrpcChannel.ForAddress(fixture.Cluster.Services.GetRequiredService<GrpcEndpoint>().Address!))
        {
            using var call = new Inference.V1.Inference.InferenceClient(channel).CreateChatCompletion(new ChatCompletionRequest
            {
                Model = Model,
                Messages = { new ChatMessage { Role = "user", Content = "hi" } },
                MaxTokens = 8,
                Temperature = 0,
            });
            Assert.NotEmpty(await call.ResponseStream.ReadAllAsync().ToListAsync());
        }
        var (plainStatus, plain) = await PostAsync(Chat(stream: false));
        Assert.Equal(HttpStatusCode.OK, plainStatus);
        var constrained = Chat(stream: false, tools: false);
        constrained["response_format"] = new JsonObject { ["type"] = "json_object" };
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(constrained)).Status);
        const int Requests = 6, Streamed = 4, WithTools = 4;
        var refused = Chat(stream: false);
        refused["temperature"] = -1;
        Assert.Equal(HttpStatusCode.BadRequest, (await PostAsync(refused)).Status);

        // The usage chunk the gateway always asks for reaches only the client that asked.
        Assert.Contains("\"usage\"", streams[0]);
        Assert.DoesNotContain("\"usage\"", streams[1]);
        int promptTokens = JsonNode.Parse(plain)!["usage"]!["prompt_tokens"]!.GetValue<int>();

        // Replica series come from load reports (every second): wait for this traffic's tokens to be reported.
        await ReplicaMetricsReader.EventuallyAsync(Http, "vllm:generation_tokens_total", v => v > 0);
        var after = await PrometheusScrape.ReadAsync(Http);
        double Delta(string name, params (string, string)[] labels) => after.Sum(name, [ModelLabel, .. labels]) - before.Sum(name, [ModelLabel, .. labels]);

        foreach (var (name, type) in new[]
        {
            ("vllm:num_requests_running", "gauge"), ("vllm:num_requests_waiting", "gauge"), ("vllm:kv_cache_usage_perc", "gauge"),
            ("vllm:prompt_tokens_total", "counter"), ("vllm:generation_tokens_total", "counter"), ("vllm:request_success_total", "counter"),
            ("vllm:num_preemptions_total", "counter"), ("vllm:prefix_cache_queries_total", "counter"), ("vllm:prefix_cache_hits_total", "counter"),
            ("vllm:time_to_first_token_seconds", "histogram"), ("vllm:inter_token_latency_seconds", "histogram"), ("vllm:e2e_request_latency_seconds", "histogram"),
            ("vllm:request_prompt_tokens", "histogram"), ("vllm:request_generation_tokens", "histogram"),
            ("cluster_tool_call_parses_total", "counter"), ("cluster_constraint_compile_seconds", "histogram"), ("cluster_constraint_mask_seconds", "histogram"),
            ("cluster_rejected_requests_total", "counter"), ("cluster_streams_open", "gauge"),
        })
        {
            Assert.True(after.Types.TryGetValue(name, out var declared), $"{name} is not on /metrics");
            Assert.Equal(type, declared);
        }
        // Every vLLM-named series is per model; the replica ones name their replica too.
        Assert.All(after.Samples.Where(s => s.Name.StartsWith("vllm:", StringComparison.Ordinal)), s => Assert.True(s.Labels.ContainsKey("model_name"), s.Name));
        var running = Assert.Single(after.Of("vllm:num_requests_running", ModelLabel));
        Assert.False(string.IsNullOrEmpty(running.Labels.GetValueOrDefault("replica")), "replica series name their replica");

        Assert.Equal(Requests, Delta("vllm:e2e_request_latency_seconds_count"));
        Assert.Equal(Streamed, Delta("vllm:time_to_first_token_seconds_count"));
        Assert.Equal(Requests, Delta("vllm:request_prompt_tokens_count"));
        Assert.Equal(Requests, Delta("vllm:request_generation_tokens_count"));
        Assert.Equal(Requests, Delta("vllm:request_success_total"));
        Assert.Equal(Delta("vllm:request_prompt_tokens_sum"), Delta("vllm:prompt_tokens_total"));
        Assert.True(Delta("vllm:request_prompt_tokens_sum") >= 4 * promptTokens);
        Assert.Equal(WithTools, Delta("cluster_tool_call_parses_total"));
        Assert.True(Delta("cluster_constraint_compile_seconds_count", ("cached", "false")) >= 1);
        Assert.True(Delta("cluster_constraint_mask_seconds_count") >= 1);
        Assert.True(after.Sum("cluster_rejected_requests_total", ("api", "rest"), ("status", "400"), ("param", "temperature"))
            > before.Sum("cluster_rejected_requests_total", ("api", "rest"), ("status", "400"), ("param", "temperature")));
    }

    [Fact]
    public async Task The_orleans_dashboard_is_served_under_dashboard_when_enabled()
    {
        using var page = await Http.GetAsync("/dashboard/");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task One_trace_runs_from_the_gateway_through_the_session_and_model_grains_into_the_engine()
    {
        var spans = new List<Activity>();
        var builder = Sdk.CreateTracerProviderBuilder();
        ClusterTelemetry.ConfigureTracing(builder);
        GatewayTelemetry.ConfigureTracing(builder);
        using (var tracing = builder.AddInMemoryExporter(spans).Build())
        {
            var trace = ActivityTraceId.CreateRandom();
            var caller = ActivitySpanId.CreateRandom();
            var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions");
            request.Headers.Add("traceparent", $"00-{trace.ToHexString()}-{caller.ToHexString()}-01");
            var (status, text) = await PostAsync(Chat(stream: true), request);
            Assert.True(status == HttpStatusCode.OK, text);

            // Spans end as their work ends: the engine's when its sequence retires, the request's after its last byte.
            List<Activity> Ours() { lock (spans) return spans.Where(s => s.TraceId == trace).ToList(); }
            string[] expected = ["engine.queue", "engine.prefill", "engine.decode", "model.generate", "session.parse", "session.chat_completion"];
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (!(expected.All(n => Ours().Any(s => s.OperationName == n)) && Ours().Any(IsGatewayRequest)) && DateTime.UtcNow < deadline)
                await Task.Delay(50);
            var ours = Ours();
            foreach (var name in expected) Assert.Contains(ours, s => s.OperationName == name);

            var gateway = Assert.Single(ours, IsGatewayRequest);
            Assert.Equal(caller, gateway.ParentSpanId);
            var byId = ours.ToDictionary(s => s.SpanId);
            List<Activity> Ancestors(Activity span)
            {
                var chain = new List<Activity>();
                while (byId.TryGetValue(span.ParentSpanId, out var parent)) chain.Add(span = parent);
                return chain;
            }

            // Each engine phase hangs under the model grain's span, which hangs under the session's, which hangs under
            // the gateway's request: every link present, the grain boundaries crossed by Orleans' server spans.
            foreach (var phase in ours.Where(s => s.Source.Name == "Cluster.Engine"))
            {
                var chain = Ancestors(phase);
                Assert.Equal("model.generate", chain[0].OperationName);
                int session = chain.FindIndex(s => s.OperationName == "session.chat_completion");
                Assert.True(session > 0, $"no session span above {phase.OperationName}: {string.Join(" <- ", chain.Select(s => s.OperationName))}");
                Assert.Contains(chain.Take(session), s => s.Source.Name == Orleans.Diagnostics.ActivitySources.ApplicationGrainActivitySourceName && s.Kind == ActivityKind.Server);
                Assert.Contains(chain.Skip(session), s => s.Source.Name == Orleans.Diagnostics.ActivitySources.ApplicationGrainActivitySourceName && s.Kind == ActivityKind.Server);
                Assert.Same(gateway, chain[^1]);
            }
            var parse = Assert.Single(ours, s => s.OperationName == "session.parse");
            Assert.Equal("session.chat_completion", byId[parse.ParentSpanId].OperationName);
            Assert.NotNull(parse.GetTagItem("cluster.tool_parser"));
        }

        static bool IsGatewayRequest(Activity s) => s.Kind == ActivityKind.Server && s.Source.Name == "Microsoft.AspNetCore";
    }
}
