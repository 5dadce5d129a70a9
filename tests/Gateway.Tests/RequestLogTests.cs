using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cluster.Inference.V1;
using Grpc.Core;
using Grpc.Net.Client;

namespace Cluster.Gateway.Tests;

/// <summary>
/// The logs of a real <c>serve</c> process with <c>--log-format json</c>: a prompt's canary string never appears in them
/// unless <c>--log-requests</c>, and then it does, on a JSON line carrying the request's id; API keys appear in neither.
/// </summary>
public sealed class RequestLogTests
{
    private const string Model = "tiny-logs";
    private const string Key = "sk-log-test-secret-4711";

    /// <summary>Requests that carry <paramref name="canary"/> in their prompts: REST whole and streamed, a refused one, gRPC.</summary>
    private static async Task SendCanaries(ServeProcess serve, string canary, string requestId)
    {
        async Task Post(string path, string body, string? id = null)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
            request.Headers.Add("Authorization", "Bearer " + Key);
            if (id is not null) request.Headers.Add("X-Request-Id", id);
            using var response = await serve.Http.SendAsync(request);
            await response.Content.ReadAsStringAsync();
        }
        string messages = JsonSerializer.Serialize(new[] { new { role = "user", content = $"Say {canary} back" } });
        await Post("/v1/chat/completions", $$"""{"model":"{{Model}}","messages":{{messages}},"max_tokens":4}""", requestId);
        await Post("/v1/chat/completions", $$"""{"model":"{{Model}}","messages":{{messages}},"max_tokens":4,"stream":true}""");
        await Post("/v1/completions", $$"""{"model":"{{Model}}","prompt":"{{canary}}","max_tokens":2}""");
        await Post("/v1/chat/completions", $$"""{"model":"{{Model}}","messages":{{messages}},"temperature":"{{canary}}"}""");

        using var channel = GrpcChannel.ForAddress(serve.GrpcAddress);
        var client = new Inference.V1.Inference.InferenceClient(channel);
        using var call = client.CreateChatCompletion(new Inference.V1.ChatCompletionRequest
        {
            Model = Model, MaxTokens = 4, Messages = { new Inference.V1.ChatMessage { Role = "user", Content = $"gRPC {canary}" } },
        }, new Metadata { { "authorization", "Bearer " + Key } });
        await foreach (var _ in call.ResponseStream.ReadAllAsync()) { }
    }

    private static List<JsonNode> JsonLines(string output) =>
        output.Split('\n').Where(l => l.StartsWith('{')).Select(l => JsonNode.Parse(l)!).ToList();

    [Fact]
    public async Task Without_log_requests_no_prompt_reaches_the_logs()
    {
        string canary = "CANARY" + Guid.NewGuid().ToString("N");
        await using var serve = await ServeProcess.StartAsync(Model, "--log-format", "json", "--api-key", Key);
        await SendCanaries(serve, canary, "req-quiet-1");
        await serve.StopAsync();
        string output = serve.Output;
        Assert.DoesNotContain(canary, output);
        Assert.DoesNotContain(Key, output);
        // The console is structured: every log line is a JSON object (the one plain line is the start-up banner).
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(JsonLines(output).Count >= 3, output);
        Assert.All(lines.Where(l => !l.StartsWith('{')), l => Assert.True(l.StartsWith("Serving ", StringComparison.Ordinal), $"not a JSON log line: {l}"));
    }

    [Fact]
    public async Task With_log_requests_prompts_and_completions_are_logged_with_the_request_id()
    {
        string canary = "CANARY" + Guid.NewGuid().ToString("N");
        await using var serve = await ServeProcess.StartAsync(Model, "--log-format", "json", "--api-key", Key, "--log-requests");
        await SendCanaries(serve, canary, "req-loud-1");
        await serve.StopAsync();
        string output = serve.Output;
        Assert.DoesNotContain(Key, output);
        var lines = JsonLines(output);
        var chat = lines.Where(l => l["State"]?["RequestBody"]?.GetValue<string>().Contains(canary) == true
            && l["State"]!["Path"]!.GetValue<string>() == "/v1/chat/completions").ToList();
        Assert.True(chat.Count >= 2, output);
        Assert.All(chat, l => Assert.Equal("Information", l["LogLevel"]!.GetValue<string>()));
        // The first chat request sent its own id: its line carries it, and its completion.
        var first = Assert.Single(chat, l => l["Scopes"]!.AsArray().Any(s => s?["RequestId"]?.GetValue<string>() == "req-loud-1"));
        Assert.Contains("chat.completion", first["State"]!["ResponseBody"]!.GetValue<string>());
        Assert.Contains(lines, l => l["Message"]!.GetValue<string>().Contains($"gRPC {canary}"));
        Assert.Contains(lines, l => l["Message"]!.GetValue<string>().StartsWith("gRPC response", StringComparison.Ordinal));
    }
}
