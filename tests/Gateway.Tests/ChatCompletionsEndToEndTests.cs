using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cluster.Contracts.Generation;
using Cluster.Grains.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace Cluster.Gateway.Tests;

[Collection(nameof(ClusterCollection))]
public sealed class ChatCompletionsEndToEndTests(ClusterFixture cluster)
{
    private static StringContent Body(object body) => new(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");

    private static object Request(bool stream, int maxTokens = 12, string content = "hi") => new
    {
        model = ClusterFixture.ModelName,
        messages = new[] { new { role = "user", content } },
        stream,
        max_tokens = maxTokens,
        temperature = 0,
    };

    /// <summary>Reads an SSE response the way an HTTP client sees it: data lines until [DONE].</summary>
    private static async Task<List<string>> ReadEvents(HttpResponseMessage response)
    {
        var events = new List<string>();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        while (await reader.ReadLineAsync() is { } line)
        {
            if (line.Length == 0) continue;
            Assert.StartsWith("data: ", line);
            events.Add(line["data: ".Length..]);
        }
        return events;
    }

    [Fact]
    public async Task Streaming_request_returns_openai_chunks_from_a_real_forward_pass()
    {
        using var response = await cluster.Http.PostAsync("/v1/chat/completions", Body(Request(stream: true)));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var events = await ReadEvents(response);

        Assert.Equal("[DONE]", events[^1]);
        var chunks = events[..^1].Select(e => JsonNode.Parse(e)!).ToList();
        Assert.True(chunks.Count >= 3, $"expected role, content and finish chunks, got {chunks.Count}");
        string id = chunks[0]["id"]!.GetValue<string>();
        Assert.StartsWith("chatcmpl-", id);
        foreach (var chunk in chunks)
        {
            Assert.Equal(id, chunk["id"]!.GetValue<string>());
            Assert.Equal("chat.completion.chunk", chunk["object"]!.GetValue<string>());
            Assert.Equal(ClusterFixture.ModelName, chunk["model"]!.GetValue<string>());
            Assert.True(chunk["created"]!.GetValue<long>() > 0);
            var choice = chunk["choices"]![0]!;
            Assert.Equal(0, choice["index"]!.GetValue<int>());
            // OpenAI always sends these two keys, null until the end.
            Assert.True(choice.AsObject().ContainsKey("finish_reason"));
            Assert.True(choice.AsObject().ContainsKey("logprobs"));
        }
        Assert.Equal("assistant", chunks[0]["choices"]![0]!["delta"]!["role"]!.GetValue<string>());
        string finish = chunks[^1]["choices"]![0]!["finish_reason"]!.GetValue<string>();
        Assert.Contains(finish, new[] { "stop", "length" });
        foreach (var chunk in chunks[..^1]) Assert.Null(chunk["choices"]![0]!["finish_reason"]);

        string text = string.Concat(chunks.Select(c => c["choices"]![0]!["delta"]!["content"]?.GetValue<string>() ?? ""));
        Assert.NotEmpty(text);
    }

    [Fact]
    public async Task Non_streaming_response_has_openai_shape_and_matches_the_stream()
    {
        using var response = await cluster.Http.PostAsync("/v1/chat/completions", Body(Request(stream: false)));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var completion = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal("chat.completion", completion["object"]!.GetValue<string>());
        var choice = completion["choices"]![0]!;
        Assert.Equal("assistant", choice["message"]!["role"]!.GetValue<string>());
        string content = choice["message"]!["content"]!.GetValue<string>();
        var usage = completion["usage"]!;
        int prompt = usage["prompt_tokens"]!.GetValue<int>(), generated = usage["completion_tokens"]!.GetValue<int>();
        Assert.True(prompt > 0);
        Assert.InRange(generated, 1, 12);
        Assert.Equal(prompt + generated, usage["total_tokens"]!.GetValue<int>());
        if (generated == 12) Assert.Equal("length", choice["finish_reason"]!.GetValue<string>());

        // Greedy decoding: the streamed text of the same request is the same text.
        using var streamed = await cluster.Http.PostAsync("/v1/chat/completions", Body(Request(stream: true)));
        var events = await ReadEvents(streamed);
        string streamedText = string.Concat(events[..^1].Select(e => JsonNode.Parse(e)!["choices"]![0]!["delta"]!["content"]?.GetValue<string>() ?? ""));
        Assert.Equal(content, streamedText);
    }

    [Fact]
    public async Task Usage_chunk_is_sent_when_requested()
    {
        var body = new
        {
            model = ClusterFixture.ModelName,
            messages = new[] { new { role = "user", content = "count" } },
            stream = true,
            max_tokens = 5,
            stream_options = new { include_usage = true },
        };
        using var response = await cluster.Http.PostAsync("/v1/chat/completions", Body(body));
        var events = await ReadEvents(response);
        var usageChunk = JsonNode.Parse(events[^2])!;
        Assert.Empty(usageChunk["choices"]!.AsArray());
        Assert.True(usageChunk["usage"]!["completion_tokens"]!.GetValue<int>() is > 0 and <= 5);
    }

    [Fact]
    public async Task Models_and_health_endpoints_list_the_served_model()
    {
        var models = JsonNode.Parse(await cluster.Http.GetStringAsync("/v1/models"))!;
        Assert.Equal("list", models["object"]!.GetValue<string>());
        Assert.Contains(models["data"]!.AsArray(), m => m!["id"]!.GetValue<string>() == ClusterFixture.ModelName && m["object"]!.GetValue<string>() == "model");
        using var health = await cluster.Http.GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Theory]
    [InlineData("""{"model":"tiny-test"}""", 400, "messages")]
    [InlineData("""{"model":"tiny-test","messages":[]}""", 400, "messages")]
    [InlineData("""{"model":"tiny-test","messages":[{"role":"wizard","content":"x"}]}""", 400, "messages[0].role")]
    [InlineData("""{"model":"tiny-test","messages":[{"role":"user","content":"x"}],"temperature":7}""", 400, "temperature")]
    [InlineData("""{"model":"tiny-test","messages":[{"role":"user","content":"x"}],"max_tokens":"ten"}""", 400, "max_tokens")]
    [InlineData("""{"model":"nope","messages":[{"role":"user","content":"x"}]}""", 404, "model")]
    [InlineData("""{"model":"tiny-test","messages":[{"role":"user","content":"x"}""", 400, null)]
    [InlineData("""{"model":"tiny-test","messages":"hi"}""", 400, "messages")]
    [InlineData("""{"model":"tiny-test","messages":[{"role":"user","content":"x"}],"stream":"yes"}""", 400, "stream")]
    [InlineData("""{"model":"tiny-test","messages":[{"role":"user","content":"x"}],"top_p":0}""", 400, "top_p")]
    [InlineData("""{"model":"tiny-test","messages":[{"role":"user","content":"x"}],"n":0}""", 400, "n")]
    [InlineData("""{"model":"tiny-test","messages":[{"role":"user","content":"x"}],"logit_bias":{"5":-200}}""", 400, "logit_bias")]
    [InlineData("""{"model":"tiny-test","messages":[{"role":"user","content":"x"}],"tool_choice":"required"}""", 400, "tool_choice")]
    [InlineData("""{"model":"tiny-test","messages":[{"role":"user","content":"x"}],"tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":{"type":"function","function":{"name":"g"}}}""", 400, "tool_choice.function.name")]
    [InlineData("""{"model":"tiny-test","messages":[{"role":"user","content":"x"}],"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"objekt"}}}]}""", 400, "tools[0].function.parameters.type")]
    [InlineData("""{"model":"tiny-test","messages":[{"role":"user","content":"x"}],"tools":[{"type":"function","function":{"name":"f"}},{"type":"function","function":{"name":"f"}}]}""", 400, "tools[1].function.name")]
    [InlineData("""{"model":"tiny-test","messages":[{"role":"user","content":"x"},{"role":"tool","tool_call_id":"nope","content":"r"}]}""", 400, "messages[1].tool_call_id")]
    [InlineData("""{"model":"tiny-test","messages":[{"role":"assistant","tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"{not json"}}]}]}""", 400, "messages[0].tool_calls[0].function.arguments")]
    [InlineData("""{"model":"tiny-test","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"x"}}]}]}""", 400, "messages[0].content[0].type")]
    [InlineData("""{"model":"tiny-test","messages":[{"role":"user","content":"x"}],"response_format":{"type":"xml"}}""", 400, "response_format.type")]
    [InlineData("""{"model":"tiny-test","messages":[{"role":"user","content":"x"}],"response_format":{"type":"json_object"},"structured_outputs":{"regex":"a+"}}""", 400, "structured_outputs.regex")]
    public async Task Bad_requests_get_openai_errors_naming_the_field(string body, int status, string? param)
    {
        using var response = await cluster.Http.PostAsync("/v1/chat/completions", new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(status, (int)response.StatusCode);
        var error = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!;
        Assert.False(string.IsNullOrEmpty(error["message"]!.GetValue<string>()));
        Assert.Equal("invalid_request_error", error["type"]!.GetValue<string>());
        Assert.Equal(param, error["param"]?.GetValue<string>());
    }

    [Fact]
    public async Task Client_disconnect_cancels_generation_and_frees_the_sequence()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = Body(Request(stream: true, maxTokens: 900)) };
        var body = (JsonObject)JsonNode.Parse(await request.Content!.ReadAsStringAsync())!;
        body["ignore_eos"] = true;
        request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        var response = await cluster.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        for (int i = 0; i < 4; i++) Assert.NotNull(await reader.ReadLineAsync());

        var host = cluster.Services.GetRequiredService<ModelHost>();
        var engine = host.Models.Single(m => m.Name == ClusterFixture.ModelName).Engine;
        // Statistics are published after each step, just after its tokens went out.
        var started = DateTime.UtcNow.AddSeconds(5);
        while (engine.Statistics.Running == 0 && DateTime.UtcNow < started) await Task.Delay(10);
        Assert.Equal(1, engine.Statistics.Running);


        reader.Dispose();
        response.Dispose();
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (engine.Statistics.UsedCacheBlocks > 0 && DateTime.UtcNow < deadline) await Task.Delay(50);
        Assert.Equal(0, engine.Statistics.UsedCacheBlocks);
        // The reported usage drops with it (metrics follow the replicas' load reports, sent every second).
        Assert.Equal(0, await ReplicaMetricsReader.EventuallyAsync(cluster.Http, "vllm:kv_cache_usage_perc", v => v == 0));
        Assert.Equal(0, await ReplicaMetricsReader.EventuallyAsync(cluster.Http, "vllm:num_requests_running", v => v == 0));
    }

    [Fact]
    public async Task Sampling_fields_a_request_leaves_out_come_from_generation_config()
    {
        // The fixture's generation_config.json says temperature 0: without one in the request, seeds change nothing.
        async Task<string> Complete(object body)
        {
            using var response = await cluster.Http.PostAsync("/v1/chat/completions", Body(body));
            return JsonNode.Parse(await response.Content.ReadAsStringAsync())!["choices"]![0]!["message"]!["content"]!.GetValue<string>();
        }
        var messages = new[] { new { role = "user", content = "tell me something" } };
        string a = await Complete(new { model = ClusterFixture.ModelName, messages, max_tokens = 12, seed = 1, ignore_eos = true });
        string b = await Complete(new { model = ClusterFixture.ModelName, messages, max_tokens = 12, seed = 2, ignore_eos = true });
        Assert.Equal(a, b);
        // An explicit temperature overrides it.
        string c = await Complete(new { model = ClusterFixture.ModelName, messages, max_tokens = 12, seed = 1, temperature = 1.5, ignore_eos = true });
        string d = await Complete(new { model = ClusterFixture.ModelName, messages, max_tokens = 12, seed = 2, temperature = 1.5, ignore_eos = true });
        Assert.NotEqual(c, d);
    }

    [Fact]
    public async Task Oversized_bodies_get_413_in_the_openai_shape()
    {
        string big = new('x', (int)ClusterFixture.MaxRequestBodyBytes + 1024);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = new StringContent($$"""{"model":"tiny-test","messages":[{"role":"user","content":"{{big}}"}]}""", Encoding.UTF8, "application/json"),
        };
        // The server answers 413 from the declared length and closes; without waiting for "100 Continue" the client
        // may still be writing the body then and see a broken pipe instead of the answer.
        request.Headers.ExpectContinue = true;
        using var response = await cluster.Http.SendAsync(request);
        Assert.Equal(413, (int)response.StatusCode);
        Assert.Equal("request_too_large", JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!["code"]!.GetValue<string>());
    }
}
