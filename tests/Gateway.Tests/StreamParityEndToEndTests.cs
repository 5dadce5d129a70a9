using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace Cluster.Gateway.Tests;

/// <summary>
/// Stream = non-stream through the real server: the same seeded request with and without <c>stream</c>, with
/// <c>max_tokens</c> cutting a required tool call, must give the same message once the stream is folded.
/// </summary>
[Collection(nameof(ClusterCollection))]
public sealed class StreamParityEndToEndTests(ClusterFixture cluster)
{
    private static JsonObject Request(int maxTokens, int seed, bool stream) => new()
    {
        ["model"] = ClusterFixture.ModelName,
        ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "What is the weather in Paris?" }),
        ["tools"] = ToolCallingEndToEndTests.Tools.DeepClone(),
        ["tool_choice"] = "required",
        ["temperature"] = 1.0,
        ["seed"] = seed,
        ["max_tokens"] = maxTokens,
        ["stream"] = stream,
    };

    private async Task<JsonNode> Whole(JsonObject body)
    {
        using var response = await cluster.Http.PostAsync("/v1/chat/completions", new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return JsonNode.Parse(text)!["choices"]![0]!;
    }

    /// <summary>The stream folded as OpenAI's SDKs fold it: content, reasoning, calls by index, finish reason, tool_parse.</summary>
    private async Task<JsonObject> Folded(JsonObject body)
    {
        using var response = await cluster.Http.PostAsync("/v1/chat/completions", new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var chunks = await ToolCallingEndToEndTests.ReadStream(response);
        var calls = ToolCallingEndToEndTests.Accumulate(chunks, out string? finish);
        var choices = chunks.SelectMany(c => c["choices"]!.AsArray()).ToList();
        string content = string.Concat(choices.Select(c => c!["delta"]!["content"]?.GetValue<string>()));
        string reasoning = string.Concat(choices.Select(c => c!["delta"]!["reasoning_content"]?.GetValue<string>()));
        return new JsonObject
        {
            ["content"] = content,
            ["reasoning_content"] = reasoning,
            ["tool_calls"] = new JsonArray(calls.Select(c => (JsonNode)new JsonObject { ["id"] = c.Id, ["name"] = c.Name, ["arguments"] = c.Arguments }).ToArray()),
            ["finish_reason"] = finish,
            ["tool_parse"] = choices.Select(c => c!["tool_parse"]).LastOrDefault(p => p is not null)?.DeepClone(),
        };
    }

    private static JsonObject Digest(JsonNode choice)
    {
        var message = choice["message"]!;
        return new JsonObject
        {
            // The stream opens content with "" (the role chunk); a reply of only calls has null content unstreamed.
            ["content"] = message["content"]?.GetValue<string>() ?? "",
            ["reasoning_content"] = message["reasoning_content"]?.GetValue<string>() ?? "",
            ["tool_calls"] = new JsonArray((message["tool_calls"]?.AsArray() ?? []).Select(c => (JsonNode)new JsonObject
            {
                ["id"] = c!["id"]!.GetValue<string>(),
                ["name"] = c["function"]!["name"]!.GetValue<string>(),
                ["arguments"] = c["function"]!["arguments"]!.GetValue<string>(),
            }).ToArray()),
            ["finish_reason"] = choice["finish_reason"]!.GetValue<string>(),
            ["tool_parse"] = choice["tool_parse"]?.DeepClone(),
        };
    }

    [Theory]
    [InlineData(31)]
    [InlineData(32)]
    public async Task A_required_call_cut_by_max_tokens_streams_exactly_what_the_whole_reply_holds(int seed)
    {
        bool cutInsideACall = false;
        foreach (int maxTokens in new[] { 9, 14, 20, 27, 40, 60 })
        {
            var whole = Digest(await Whole(Request(maxTokens, seed, stream: false)));
            var folded = await Folded(Request(maxTokens, seed, stream: true));
            Assert.True(JsonNode.DeepEquals(whole, folded), $"max_tokens {maxTokens}:\nnon-streamed {whole.ToJsonString()}\nstreamed     {folded.ToJsonString()}");
            var calls = whole["tool_calls"]!.AsArray();
            if (whole["finish_reason"]!.GetValue<string>() == "length" && calls.Count > 0 && whole["tool_parse"]!["status"]!.GetValue<string>() == "failed")
            {
                cutInsideACall = true;
                // The cut call is a call with its truncated arguments; its text is not also content.
                Assert.Equal("truncated", whole["tool_parse"]!["errors"]![0]!["code"]!.GetValue<string>());
                Assert.DoesNotContain("<tool_call>", whole["content"]!.GetValue<string>());
            }
        }
        Assert.True(cutInsideACall, "no max_tokens value cut inside a call: the test no longer covers its case");
    }
}
