using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Cluster.Gateway.Grpc;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.DependencyInjection;
using V1 = Cluster.Inference.V1;

namespace Cluster.Gateway.Tests;

/// <summary>
/// <c>usage.prompt_tokens_details.cached_tokens</c> on the real cluster: present on both endpoints, streamed (the
/// include_usage chunk) and not, REST and gRPC, equal between them, and above 0 when a prompt repeats — which takes
/// the engine's prefix cache.
/// </summary>
[Collection(nameof(ClusterCollection))]
public sealed class CachedTokensEndToEndTests(ClusterFixture cluster) : IDisposable
{
    private const string Model = ClusterFixture.ModelName;

    private readonly GrpcChannel _channel = GrpcChannel.ForAddress(cluster.Services.GetRequiredService<GrpcEndpoint>().Address!);

    public void Dispose() => _channel.Dispose();

    /// <summary>A few hundred tokens no other test sends (the id comes first, so no earlier prompt shares its blocks).</summary>
    private static string LongText() =>
        Guid.NewGuid().ToString("N") + " " + string.Join(" ", Enumerable.Range(0, 40).Select(i => $"line {i}: the weather in Paris is mild"));

    private async Task<JsonNode> Post(string path, JsonObject body, string? session = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json") };
        if (session is not null) request.Headers.Add("X-Session-Id", session);
        using var response = await cluster.Http.SendAsync(request);
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return JsonNode.Parse(text)!;
    }

    /// <summary>The streamed response's usage: the include_usage chunk, the last before [DONE].</summary>
    private async Task<JsonNode> PostStreamUsage(string path, JsonObject body, string? session = null)
    {
        body = (JsonObject)body.DeepClone();
        body["stream"] = true;
        body["stream_options"] = new JsonObject { ["include_usage"] = true };
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json") };
        if (session is not null) request.Headers.Add("X-Session-Id", session);
        using var response = await cluster.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var chunks = await ToolCallingEndToEndTests.ReadStream(response);
        Assert.Empty(chunks[^1]["choices"]!.AsArray());
        return chunks[^1]["usage"]!;
    }

    /// <summary>Reads <c>cached_tokens</c>, failing when it is absent: OpenAI always sends it.</summary>
    private static int Cached(JsonNode usage)
    {
        var cached = usage["prompt_tokens_details"]?["cached_tokens"];
        Assert.True(cached is not null, "usage has no prompt_tokens_details.cached_tokens: " + usage.ToJsonString());
        int value = cached.GetValue<int>();
        Assert.InRange(value, 0, usage["prompt_tokens"]!.GetValue<int>());
        return value;
    }

    private static JsonObject ChatBody(string content, int n = 1) => new()
    {
        ["model"] = Model,
        ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = content }),
        ["max_tokens"] = 4,
        ["ignore_eos"] = true,
        ["n"] = n,
    };

    private static JsonObject CompletionBody(JsonNode prompt, int n = 1) => new()
    {
        ["model"] = Model,
        ["prompt"] = prompt,
        ["max_tokens"] = 4,
        ["ignore_eos"] = true,
        ["n"] = n,
    };

    [Fact]
    public async Task Chat_reports_cached_prompt_tokens_on_a_repeat_alike_streamed_and_not_over_REST_and_gRPC()
    {
        string text = LongText();
        var cold = (await Post("/v1/chat/completions", ChatBody(text)))["usage"]!;
        Cached(cold);
        Assert.InRange(cold["prompt_tokens"]!.GetValue<int>(), 200, 900);

        var repeat = (await Post("/v1/chat/completions", ChatBody(text)))["usage"]!;
        Assert.True(Cached(repeat) > 0, "a repeated prompt found nothing in the prefix cache: " + repeat.ToJsonString());

        // Warm now, the streamed request sees what the non-streamed one saw: the whole usage is the same.
        var streamed = await PostStreamUsage("/v1/chat/completions", ChatBody(text));
        Assert.True(JsonNode.DeepEquals(repeat, streamed), $"non-streamed {repeat.ToJsonString()} but streamed {streamed.ToJsonString()}");

        // n choices share one prompt: the prompt's cached tokens count once (choice 0's sequence), not n times.
        var two = (await Post("/v1/chat/completions", ChatBody(text, n: 2)))["usage"]!;
        Assert.Equal(Cached(repeat), Cached(two));

        var request = new V1.ChatCompletionRequest
        {
            Model = Model, MaxTokens = 4, IgnoreEos = true,
            Messages = { new V1.ChatMessage { Role = "user", Content = text } },
            StreamOptions = new V1.StreamOptions { IncludeUsage = true },
        };
        var chunks = new List<V1.ChatCompletionChunk>();
        await foreach (var chunk in new V1.Inference.InferenceClient(_channel).CreateChatCompletion(request).ResponseStream.ReadAllAsync()) chunks.Add(chunk);
        AssertSameUsage(repeat, chunks[^1].Usage);
    }

    [Fact]
    public async Task Completions_report_cached_prompt_tokens_summed_over_prompts_alike_streamed_and_not_over_REST_and_gRPC()
    {
        string first = LongText(), second = LongText();
        Cached((await Post("/v1/completions", CompletionBody(first)))["usage"]!);
        Cached((await Post("/v1/completions", CompletionBody(second)))["usage"]!);

        var repeat = (await Post("/v1/completions", CompletionBody(first)))["usage"]!;
        Assert.True(Cached(repeat) > 0, "a repeated prompt found nothing in the prefix cache: " + repeat.ToJsonString());
        var streamed = await PostStreamUsage("/v1/completions", CompletionBody(first));
        Assert.True(JsonNode.DeepEquals(repeat, streamed), $"non-streamed {repeat.ToJsonString()} but streamed {streamed.ToJsonString()}");

        // A batch counts each prompt once, by its first choice's sequence: the sum of the prompts' own counts.
        int secondCached = Cached((await Post("/v1/completions", CompletionBody(second)))["usage"]!);
        var batch = (await Post("/v1/completions", CompletionBody(new JsonArray(first, second), n: 2)))["usage"]!;
        Assert.Equal(Cached(repeat) + secondCached, Cached(batch));
        var streamedBatch = await PostStreamUsage("/v1/completions", CompletionBody(new JsonArray(first, second), n: 2));
        Assert.True(JsonNode.DeepEquals(batch, streamedBatch), $"non-streamed {batch.ToJsonString()} but streamed {streamedBatch.ToJsonString()}");

        var request = new V1.CompletionRequest
        {
            Model = Model, MaxTokens = 4, IgnoreEos = true,
            Prompt = new V1.Prompt { Text = first },
            StreamOptions = new V1.StreamOptions { IncludeUsage = true },
        };
        var chunks = new List<V1.Completion>();
        await foreach (var chunk in new V1.Inference.InferenceClient(_channel).CreateCompletion(request).ResponseStream.ReadAllAsync()) chunks.Add(chunk);
        AssertSameUsage(repeat, chunks[^1].Usage);
    }

    [Fact]
    public async Task A_sessions_later_turns_find_the_earlier_turns_in_the_prefix_cache()
    {
        string session = "cached-" + Guid.NewGuid().ToString("N");
        var first = (await Post("/v1/chat/completions", ChatBody(LongText()), session))["usage"]!;
        Cached(first);
        var second = (await Post("/v1/chat/completions", ChatBody("And tomorrow?"), session))["usage"]!;
        Assert.True(Cached(second) > 0, "the session's second turn found nothing in the prefix cache: " + second.ToJsonString());
        var third = await PostStreamUsage("/v1/chat/completions", ChatBody("And the day after?"), session);
        Assert.True(Cached(third) >= Cached(second), $"third turn {third.ToJsonString()} cached less than the second {second.ToJsonString()}");
    }

    private static void AssertSameUsage(JsonNode rest, V1.Usage? grpc)
    {
        Assert.NotNull(grpc);
        Assert.NotNull(grpc.PromptTokensDetails);
        Assert.Equal(
            (rest["prompt_tokens"]!.GetValue<int>(), rest["completion_tokens"]!.GetValue<int>(), rest["total_tokens"]!.GetValue<int>(), Cached(rest)),
            (grpc.PromptTokens, grpc.CompletionTokens, grpc.TotalTokens, grpc.PromptTokensDetails.CachedTokens));
    }
}
