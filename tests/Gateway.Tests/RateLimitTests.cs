using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cluster.Inference.V1;
using Google.Rpc;
using Grpc.Core;
using Grpc.Net.Client;
using StatusCode = Grpc.Core.StatusCode;

namespace Cluster.Gateway.Tests;

/// <summary>
/// Per-key limits from the keys file on one gateway: OpenAI's headers on every response of a limited key, 429 with
/// <c>Retry-After</c> and <c>rate_limit_exceeded</c> when spent (RESOURCE_EXHAUSTED over gRPC), tokens charged from the
/// usage of streamed and whole responses. That the limit holds across gateway processes is Cluster.Tests' part.
/// </summary>
[Collection(nameof(SecuredClusterCollection))]
public sealed class RateLimitTests(SecuredClusterFixture cluster) : IDisposable
{
    private const string Model = SecuredClusterFixture.ModelName;

    private readonly GrpcChannel _channel = GrpcChannel.ForAddress(cluster.GrpcAddress);

    public void Dispose() => _channel.Dispose();

    private async Task<HttpResponseMessage> Send(string key, HttpMethod method, string path, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Add("Authorization", "Bearer " + key);
        if (body is not null) request.Content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");
        return await cluster.Http.SendAsync(request);
    }

    private static string Header(HttpResponseMessage response, string name) => response.Headers.TryGetValues(name, out var values) ? values.Single() : "(absent)";

    /// <summary>A prompt long enough that one reply spends a 30-token budget.</summary>
    private static object LongChat(bool stream = false) => new
    {
        model = Model,
        messages = new[] { new { role = "user", content = string.Join(' ', Enumerable.Repeat("count these words please", 10)) } },
        max_tokens = 2,
        stream,
    };

    /// <summary>A 429 of OpenAI's shape. A token limit's wait can be long: a reply larger than the budget is a debt
    /// that refills at the limit's rate (here 30 tokens a minute against a reply of a hundred or more).</summary>
    private static async Task<JsonNode> AssertRateLimited(HttpResponseMessage response, string type)
    {
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.TooManyRequests, $"{(int)response.StatusCode}: {text}");
        var error = JsonNode.Parse(text)!["error"]!;
        Assert.Equal(type, error["type"]!.GetValue<string>());
        Assert.Equal("rate_limit_exceeded", error["code"]!.GetValue<string>());
        Assert.Null(error["param"]);
        Assert.InRange(int.Parse(Header(response, "Retry-After")), 1, 3600);
        return error;
    }

    [Fact]
    public async Task A_spent_request_limit_is_429_with_OpenAIs_headers_and_Retry_After()
    {
        const string key = "sk-limit-rest-rpm"; // rpm=2
        using var first = await Send(key, HttpMethod.Get, "/v1/models");
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal("2", Header(first, "x-ratelimit-limit-requests"));
        Assert.Equal("1", Header(first, "x-ratelimit-remaining-requests"));
        // One request refills in 30 s at 2 per minute: the budget is full again in at most that.
        Assert.Matches(@"^(\d+(\.\d+)?s|\d+ms)$", Header(first, "x-ratelimit-reset-requests"));
        Assert.Equal("(absent)", Header(first, "x-ratelimit-limit-tokens"));

        using var second = await Send(key, HttpMethod.Post, "/v1/chat/completions", LongChat());
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal("0", Header(second, "x-ratelimit-remaining-requests"));

        using var third = await Send(key, HttpMethod.Post, "/v1/chat/completions", LongChat());
        var error = await AssertRateLimited(third, "requests");
        Assert.Contains("requests per minute", error["message"]!.GetValue<string>());
        Assert.Equal("2", Header(third, "x-ratelimit-limit-requests"));
        Assert.Equal("0", Header(third, "x-ratelimit-remaining-requests"));
        Assert.InRange(int.Parse(Header(third, "Retry-After")), 1, 30);

        // Another key is not limited by this one's budget, and an unlimited key gets no rate-limit headers.
        using var other = await Send(SecuredClusterFixture.KeyA, HttpMethod.Get, "/v1/models");
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        Assert.Equal("(absent)", Header(other, "x-ratelimit-limit-requests"));
    }

    [Fact]
    public async Task A_spent_request_limit_is_RESOURCE_EXHAUSTED_over_gRPC()
    {
        var client = new Inference.V1.Inference.InferenceClient(_channel);
        var headers = new Metadata { { "authorization", "Bearer sk-limit-grpc-rpm" } }; // rpm=1
        using (var call = client.ListModelsAsync(new ListModelsRequest(), headers))
        {
            await call.ResponseAsync;
            var sent = await call.ResponseHeadersAsync;
            Assert.Equal("1", sent.GetValue("x-ratelimit-limit-requests"));
            Assert.Equal("0", sent.GetValue("x-ratelimit-remaining-requests"));
        }
        var e = await Assert.ThrowsAsync<RpcException>(() => client.ListModelsAsync(new ListModelsRequest(), headers).ResponseAsync);
        Assert.Equal(StatusCode.ResourceExhausted, e.StatusCode);
        Assert.Equal("rate_limit_exceeded", e.GetRpcStatus()!.GetDetail<ErrorInfo>()!.Reason);
    }

    /// <summary>Requests with <paramref name="key"/> until one is refused (the charge of the last reply lands one-way, a moment later).</summary>
    private async Task<HttpResponseMessage> UntilRefused(string key)
    {
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (true)
        {
            var response = await Send(key, HttpMethod.Get, "/v1/models");
            if (response.StatusCode != HttpStatusCode.OK || DateTime.UtcNow > deadline) return response;
            response.Dispose();
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task A_whole_responses_usage_is_charged_to_the_token_limit()
    {
        const string key = "sk-limit-tpm"; // tpm=30
        using var reply = await Send(key, HttpMethod.Post, "/v1/chat/completions", LongChat());
        string text = await reply.Content.ReadAsStringAsync();
        Assert.True(reply.StatusCode == HttpStatusCode.OK, text);
        Assert.Equal("30", Header(reply, "x-ratelimit-limit-tokens"));
        Assert.Equal("30", Header(reply, "x-ratelimit-remaining-tokens"));
        Assert.True(JsonNode.Parse(text)!["usage"]!["total_tokens"]!.GetValue<int>() > 30);

        using var refused = await UntilRefused(key);
        var error = await AssertRateLimited(refused, "tokens");
        Assert.Contains("tokens per minute", error["message"]!.GetValue<string>());
        Assert.Equal("0", Header(refused, "x-ratelimit-remaining-tokens"));
    }

    [Fact]
    public async Task A_streams_usage_is_charged_though_the_client_did_not_ask_for_it()
    {
        const string key = "sk-limit-tpm-stream"; // tpm=30
        using var stream = await Send(key, HttpMethod.Post, "/v1/chat/completions", LongChat(stream: true));
        Assert.Equal(HttpStatusCode.OK, stream.StatusCode);
        string events = await stream.Content.ReadAsStringAsync();
        Assert.Contains("data: [DONE]", events);
        // The client did not ask for usage: the chunk the gateway asked for on its behalf is not forwarded.
        Assert.DoesNotContain("\"usage\"", events);

        await AssertRateLimited(await UntilRefused(key), "tokens");
    }

    [Fact]
    public async Task A_gRPC_streams_usage_is_charged_and_forwarded_when_asked_for()
    {
        var client = new Inference.V1.Inference.InferenceClient(_channel);
        var headers = new Metadata { { "authorization", "Bearer sk-limit-tpm-grpc" } }; // tpm=30
        var request = new Inference.V1.ChatCompletionRequest
        {
            Model = Model, MaxTokens = 2, StreamOptions = new StreamOptions { IncludeUsage = true },
            Messages = { new Inference.V1.ChatMessage { Role = "user", Content = string.Join(' ', Enumerable.Repeat("count these words please", 10)) } },
        };
        var chunks = new List<Inference.V1.ChatCompletionChunk>();
        using (var call = client.CreateChatCompletion(request, headers))
            await foreach (var chunk in call.ResponseStream.ReadAllAsync()) chunks.Add(chunk);
        Assert.True(chunks[^1].Usage.TotalTokens > 30);

        var deadline = DateTime.UtcNow.AddSeconds(5);
        RpcException? refused = null;
        while (refused is null && DateTime.UtcNow < deadline)
        {
            try
            {
                await client.ListModelsAsync(new ListModelsRequest(), headers);
                await Task.Delay(50);
            }
            catch (RpcException e)
            {
                refused = e;
            }
        }
        Assert.NotNull(refused);
        Assert.Equal(StatusCode.ResourceExhausted, refused!.StatusCode);
        Assert.Contains("tokens per minute", refused.Status.Detail);
    }
}
