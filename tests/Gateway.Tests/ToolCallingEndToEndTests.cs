using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;

namespace Cluster.Gateway.Tests;

/// <summary>
/// Tool calling through the real stack on the tiny random-weight model: constrained decoding keeps the promises of
/// <c>tool_choice</c>, the model's own parser (hermes, detected from its Qwen2.5 template) turns the output into calls.
/// </summary>
[Collection(nameof(ClusterCollection))]
public sealed class ToolCallingEndToEndTests(ClusterFixture cluster)
{
    internal static readonly JsonArray Tools = JsonNode.Parse("""
        [
          {"type": "function", "function": {"name": "get_weather", "description": "Current weather",
            "parameters": {"type": "object", "properties": {"city": {"type": "string", "maxLength": 12}, "days": {"type": "integer", "minimum": 1, "maximum": 7}},
                           "required": ["city", "days"], "additionalProperties": false}}},
          {"type": "function", "function": {"name": "get_time", "description": "Current time",
            "parameters": {"type": "object", "properties": {"timezone": {"type": "string", "enum": ["UTC", "CET", "PST"]}},
                           "required": ["timezone"], "additionalProperties": false}}}
        ]
        """)!.AsArray();

    /// <summary>
    /// A random model rarely picks end-of-sequence among ~1,500 tokens, so it would chain calls until max_tokens. EOS is
    /// only allowed where the grammar is complete, so a bias towards it ends the output after a call without touching validity.
    /// </summary>
    private JsonObject EndSoonAfterACall(JsonObject body)
    {
        var model = cluster.Services.GetRequiredService<Cluster.Grains.Hosting.ModelHost>().Models.Single(m => m.Name == ClusterFixture.ModelName);
        var bias = new JsonObject();
        foreach (int eos in model.Frontend.Folder.Tokenizer.EosTokenIds) bias[eos.ToString()] = 6;
        body["logit_bias"] = bias;
        body["max_tokens"] = 400;
        return body;
    }

    private static JsonObject Request(object? toolChoice, bool stream, int seed, bool? parallel = null)
    {
        var body = new JsonObject
        {
            ["model"] = ClusterFixture.ModelName,
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "What is the weather in Paris?" }),
            ["tools"] = Tools.DeepClone(),
            ["temperature"] = 1.0,
            ["seed"] = seed,
            ["max_tokens"] = 160,
            ["stream"] = stream,
        };
        if (toolChoice is not null) body["tool_choice"] = JsonSerializer.SerializeToNode(toolChoice);
        if (parallel is bool p) body["parallel_tool_calls"] = p;
        return body;
    }

    private async Task<JsonNode> Post(JsonObject body)
    {
        using var response = await cluster.Http.PostAsync("/v1/chat/completions", new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return JsonNode.Parse(text)!;
    }

    internal static async Task<List<JsonNode>> ReadStream(HttpResponseMessage response)
    {
        var chunks = new List<JsonNode>();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        while (await reader.ReadLineAsync() is { } line)
        {
            if (!line.StartsWith("data: ", StringComparison.Ordinal)) continue;
            if (line == "data: [DONE]") return chunks;
            chunks.Add(JsonNode.Parse(line[6..])!);
        }
        Assert.Fail("no [DONE]");
        return chunks;
    }

    /// <summary>Checks a call against the test tools' schemas (a JSON Schema validator for these two shapes).</summary>
    internal static void AssertValidCall(string name, string arguments)
    {
        var args = JsonNode.Parse(arguments)!.AsObject();
        switch (name)
        {
            case "get_weather":
                Assert.Equal(new[] { "city", "days" }, args.Select(p => p.Key).Order().ToArray());
                Assert.InRange(args["city"]!.GetValue<string>().Length, 0, 12);
                Assert.InRange(args["days"]!.GetValue<int>(), 1, 7);
                break;
            case "get_time":
                Assert.Equal(new[] { "timezone" }, args.Select(p => p.Key).ToArray());
                Assert.Contains(args["timezone"]!.GetValue<string>(), new[] { "UTC", "CET", "PST" });
                break;
            default:
                Assert.Fail($"call to a tool that was not offered: {name}");
                break;
        }
    }

    /// <summary>Folds streamed tool-call deltas the way OpenAI clients do, checking the streaming contract on the way.</summary>
    internal static List<(string Id, string Name, string Arguments)> Accumulate(IEnumerable<JsonNode> chunks, out string? finishReason)
    {
        var calls = new List<(string Id, string Name, StringBuilder Arguments)>();
        finishReason = null;
        foreach (var chunk in chunks)
        {
            foreach (var choice in chunk["choices"]!.AsArray())
            {
                finishReason ??= choice!["finish_reason"]?.GetValue<string>();
                foreach (var delta in choice!["delta"]!["tool_calls"]?.AsArray() ?? [])
                {
                    int index = delta!["index"]!.GetValue<int>();
                    if (index == calls.Count)
                    {
                        // First delta of a call: id, type, the whole name, empty arguments.
                        Assert.Equal("function", delta["type"]!.GetValue<string>());
                        Assert.Equal("", delta["function"]!["arguments"]!.GetValue<string>());
                        calls.Add((delta["id"]!.GetValue<string>(), delta["function"]!["name"]!.GetValue<string>(), new StringBuilder()));
                        continue;
                    }
                    Assert.Equal(calls.Count - 1, index); // indexes are sequential; fragments belong to the open call
                    Assert.Null(delta["id"]);
                    Assert.Null(delta["function"]!["name"]);
                    calls[index].Arguments.Append(delta["function"]!["arguments"]!.GetValue<string>());
                }
            }
        }
        return calls.Select(c => (c.Id, c.Name, c.Arguments.ToString())).ToList();
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Required_always_yields_valid_calls_in_the_native_format(int seed)
    {
        var result = await Post(EndSoonAfterACall(Request("required", stream: false, seed)));
        var choice = result["choices"]![0]!;
        Assert.Equal("tool_calls", choice["finish_reason"]!.GetValue<string>());
        Assert.Null(choice["message"]!["content"]);
        var calls = choice["message"]!["tool_calls"]!.AsArray();
        Assert.NotEmpty(calls);
        foreach (var call in calls)
        {
            Assert.StartsWith("call_", call!["id"]!.GetValue<string>());
            Assert.Equal("function", call["type"]!.GetValue<string>());
            AssertValidCall(call["function"]!["name"]!.GetValue<string>(), call["function"]!["arguments"]!.GetValue<string>());
        }
        Assert.Equal("hermes", choice["tool_parse"]!["parser"]!.GetValue<string>());
        Assert.Equal("ok", choice["tool_parse"]!["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task Named_tool_choice_calls_exactly_that_tool_and_finishes_with_stop()
    {
        var result = await Post(Request(new { type = "function", function = new { name = "get_time" } }, stream: false, seed: 5));
        var choice = result["choices"]![0]!;
        Assert.Equal("stop", choice["finish_reason"]!.GetValue<string>());
        var calls = choice["message"]!["tool_calls"]!.AsArray();
        var call = Assert.Single(calls);
        Assert.Equal("get_time", call!["function"]!["name"]!.GetValue<string>());
        AssertValidCall("get_time", call["function"]!["arguments"]!.GetValue<string>());
    }

    [Theory]
    [InlineData(11)]
    [InlineData(12)]
    public async Task Parallel_tool_calls_false_yields_exactly_one_call(int seed)
    {
        var result = await Post(Request("required", stream: false, seed, parallel: false));
        Assert.Single(result["choices"]![0]!["message"]!["tool_calls"]!.AsArray());
    }

    [Theory]
    [InlineData("required", 21)]
    [InlineData("required", 22)]
    public async Task Streamed_tool_call_deltas_accumulate_to_the_non_streamed_calls(string toolChoice, int seed)
    {
        var whole = await Post(EndSoonAfterACall(Request(toolChoice, stream: false, seed)));
        using var response = await cluster.Http.PostAsync("/v1/chat/completions", new StringContent(EndSoonAfterACall(Request(toolChoice, stream: true, seed)).ToJsonString(), Encoding.UTF8, "application/json"));
        var chunks = await ReadStream(response);
        var streamed = Accumulate(chunks, out string? finish);
        var expected = whole["choices"]![0]!["message"]!["tool_calls"]!.AsArray();
        Assert.Equal(expected.Count, streamed.Count);
        for (int i = 0; i < streamed.Count; i++)
        {
            Assert.Equal(expected[i]!["id"]!.GetValue<string>(), streamed[i].Id);
            Assert.Equal(expected[i]!["function"]!["name"]!.GetValue<string>(), streamed[i].Name);
            Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected[i]!["function"]!["arguments"]!.GetValue<string>()), JsonNode.Parse(streamed[i].Arguments)));
        }
        Assert.Equal("tool_calls", finish);
        // No marker text leaks into content.
        string content = string.Concat(chunks.SelectMany(c => c["choices"]!.AsArray()).Select(c => c!["delta"]!["content"]?.GetValue<string>() ?? ""));
        Assert.DoesNotContain("<tool_call>", content);
    }

    [Fact]
    public async Task Response_format_json_schema_constrains_plain_output()
    {
        var body = new JsonObject
        {
            ["model"] = ClusterFixture.ModelName,
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "Give me a point." }),
            ["temperature"] = 1.0,
            ["seed"] = 3,
            ["max_tokens"] = 120,
            ["response_format"] = JsonNode.Parse("""
                {"type": "json_schema", "json_schema": {"name": "point", "strict": true,
                 "schema": {"type": "object", "properties": {"x": {"type": "integer"}, "y": {"type": "integer"}}, "required": ["x", "y"], "additionalProperties": false}}}
                """),
        };
        var result = await Post(body);
        var point = JsonNode.Parse(result["choices"]![0]!["message"]!["content"]!.GetValue<string>())!.AsObject();
        Assert.Equal(new[] { "x", "y" }, point.Select(p => p.Key).ToArray());
        _ = point["x"]!.GetValue<long>();
        _ = point["y"]!.GetValue<long>();
    }

    [Theory]
    [InlineData("""{"type":"object","properties":{"a":{"type":"string"}},"not":{"required":["a"]}}""", "not")]
    [InlineData("""{"type":"object","properties":{"a":{"type":"array","uniqueItems":true}}}""", "uniqueItems")]
    public async Task Strict_tools_with_keywords_we_cannot_enforce_are_refused_naming_the_keyword(string schema, string keyword)
    {
        var body = Request("required", stream: false, seed: 1);
        body["tools"] = JsonNode.Parse("""[{"type":"function","function":{"name":"f","strict":true,"parameters":""" + schema + "}}]");
        using var response = await cluster.Http.PostAsync("/v1/chat/completions", new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));
        string text = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(keyword, JsonNode.Parse(text)!["error"]!["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task Forced_tool_choice_with_response_format_is_a_conflict()
    {
        var body = Request("required", stream: false, seed: 1);
        body["response_format"] = JsonNode.Parse("""{"type":"json_object"}""");
        using var response = await cluster.Http.PostAsync("/v1/chat/completions", new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }
}
