using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace Cluster.Gateway.Tests;

/// <summary>
/// <c>/v1/responses</c> over real loopback HTTP against the shared tiny-model cluster: the typed event sequence, stream =
/// non-stream, stored conversations continued by <c>previous_response_id</c> and by <c>item_reference</c>, input items,
/// deletion, <c>store: false</c>, and refusals that name the field.
/// </summary>
[Collection(nameof(ClusterCollection))]
public sealed class ResponsesApiTests(ClusterFixture cluster)
{
    /// <summary>A tool whose only argument is an enum, so a forced call is short and always complete.</summary>
    internal static readonly JsonArray Tools = JsonNode.Parse("""
        [{"type": "function", "name": "get_weather", "description": "Current weather",
          "parameters": {"type": "object", "properties": {"unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}},
                         "required": ["unit"], "additionalProperties": false}}]
        """)!.AsArray();

    private static JsonObject Body(object input, params (string Key, JsonNode? Value)[] fields)
    {
        var body = new JsonObject { ["model"] = ClusterFixture.ModelName, ["input"] = JsonValue.Create(input) is { } v && input is string ? v : JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(input)) };
        foreach (var (key, value) in fields) body[key] = value;
        return body;
    }

    private async Task<(HttpStatusCode Status, JsonNode Body)> Send(HttpMethod method, string path, JsonNode? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null) request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        using var response = await cluster.Http.SendAsync(request);
        return (response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync())!);
    }

    private async Task<JsonNode> Create(JsonObject body)
    {
        var (status, response) = await Send(HttpMethod.Post, "/v1/responses", body);
        Assert.True(status == HttpStatusCode.OK, response.ToJsonString());
        return response;
    }

    /// <summary>The streamed events, each with its SSE event name checked against its type.</summary>
    private Task<List<JsonNode>> Stream(JsonObject body) => StreamEvents(cluster.Http, body);

    internal static async Task<List<JsonNode>> StreamEvents(HttpClient http, JsonObject body)
    {
        body = (JsonObject)body.DeepClone();
        body["stream"] = true;
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/responses") { Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json") };
        using var response = await http.SendAsync(request);
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var events = new List<JsonNode>();
        foreach (string block in text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries))
        {
            var lines = block.Split('\n');
            string name = lines.Single(l => l.StartsWith("event: ", StringComparison.Ordinal))["event: ".Length..];
            var data = JsonNode.Parse(lines.Single(l => l.StartsWith("data: ", StringComparison.Ordinal))["data: ".Length..])!;
            Assert.Equal(name, data["type"]!.GetValue<string>());
            events.Add(data);
        }
        Assert.DoesNotContain("[DONE]", text);
        return events;
    }

    /// <summary>
    /// Checks the event grammar (numbered from 0 without gaps; created, in_progress, items added before their deltas and
    /// done after them, one terminal event last) and folds the deltas as a client does; returns the terminal response and
    /// the folded output.
    /// </summary>
    internal static (JsonNode Final, JsonArray Folded) CheckSequence(List<JsonNode> events)
    {
        for (int i = 0; i < events.Count; i++) Assert.Equal(i, events[i]["sequence_number"]!.GetValue<int>());
        Assert.Equal("response.created", events[0]["type"]!.GetValue<string>());
        Assert.Equal("in_progress", events[0]["response"]!["status"]!.GetValue<string>());
        Assert.Equal("response.in_progress", events[1]["type"]!.GetValue<string>());
        string last = events[^1]["type"]!.GetValue<string>();
        Assert.Contains(last, new[] { "response.completed", "response.incomplete" });
        Assert.Single(events, e => e["response"]?["status"]?.GetValue<string>() is "completed" or "incomplete");

        var folded = new JsonArray();
        var text = new List<StringBuilder>();
        var done = new HashSet<int>();
        foreach (var e in events.Skip(2).SkipLast(1))
        {
            string type = e["type"]!.GetValue<string>();
            int index = e["output_index"]!.GetValue<int>();
            if (type == "response.output_item.added")
            {
                Assert.Equal(folded.Count, index);
                Assert.True(done.Count == index, "an item starts only after the previous one is done");
                folded.Add(e["item"]!.DeepClone());
                text.Add(new StringBuilder());
                continue;
            }
            Assert.True(index < folded.Count && !done.Contains(index), $"{type} for item {index}, which is not open");
            Assert.Equal(folded[index]!["id"]!.GetValue<string>(), e["item_id"]?.GetValue<string>() ?? e["item"]!["id"]!.GetValue<string>());
            switch (type)
            {
                case "response.output_text.delta" or "response.reasoning_text.delta" or "response.function_call_arguments.delta":
                    text[index].Append(e["delta"]!.GetValue<string>());
                    break;
                case "response.output_text.done" or "response.reasoning_text.done":
                    Assert.Equal(text[index].ToString(), e["text"]!.GetValue<string>());
                    break;
                case "response.function_call_arguments.done":
                    Assert.Equal(text[index].ToString(), e["arguments"]!.GetValue<string>());
                    break;
                case "response.output_item.done":
                    var item = e["item"]!;
                    string whole = item["type"]!.GetValue<string>() == "function_call"
                        ? item["arguments"]!.GetValue<string>()
                        : item["content"]!.AsArray().Single()!["text"]!.GetValue<string>();
                    Assert.Equal(text[index].ToString(), whole);
                    folded[index] = item.DeepClone();
                    done.Add(index);
                    break;
            }
        }
        Assert.Equal(folded.Count, done.Count);
        return (events[^1]["response"]!, folded);
    }

    public static TheoryData<string> Cases => ["text cut by max_output_tokens", "forced call", "named call", "auto with tools", "json_object", "none with tools"];

    private static JsonObject Case(string name, int seed)
    {
        var body = Body("What is the weather in Paris?", ("temperature", 1.0), ("seed", seed), ("max_output_tokens", 24), ("instructions", "Answer briefly."));
        switch (name)
        {
            case "forced call":
                body["tools"] = Tools.DeepClone();
                body["tool_choice"] = "required";
                body["max_output_tokens"] = 200;
                break;
            case "named call":
                body["tools"] = Tools.DeepClone();
                body["tool_choice"] = new JsonObject { ["type"] = "function", ["name"] = "get_weather" };
                body["max_output_tokens"] = 200;
                break;
            case "auto with tools":
                body["tools"] = Tools.DeepClone();
                break;
            case "none with tools":
                body["tools"] = Tools.DeepClone();
                body["tool_choice"] = "none";
                break;
            case "json_object":
                body["text"] = new JsonObject { ["format"] = new JsonObject { ["type"] = "json_object" } };
                break;
        }
        return body;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_streamed_response_folds_into_the_same_response_as_a_non_streamed_one(string name)
    {
        for (int seed = 1; seed <= 3; seed++)
        {
            var body = Case(name, seed);
            var (final, folded) = CheckSequence(await Stream(body));
            var whole = await Create(body);
            Assert.Equal(whole["status"]!.GetValue<string>(), final["status"]!.GetValue<string>());
            Assert.True(JsonNode.DeepEquals(Comparable(whole["output"]!.AsArray()), Comparable(final["output"]!.AsArray())), $"{name}, seed {seed}: {whole["output"]!.ToJsonString()} vs {final["output"]!.ToJsonString()}");
            Assert.True(JsonNode.DeepEquals(Comparable(folded), Comparable(final["output"]!.AsArray())), $"{name}, seed {seed}: folded deltas differ from the final output");
            Assert.Equal(whole["usage"]!["output_tokens"]!.GetValue<int>(), final["usage"]!["output_tokens"]!.GetValue<int>());
            Assert.Equal(whole["usage"]!["input_tokens"]!.GetValue<int>(), final["usage"]!["input_tokens"]!.GetValue<int>());
            if (whole["status"]!.GetValue<string>() == "incomplete")
                Assert.Equal("max_output_tokens", whole["incomplete_details"]!["reason"]!.GetValue<string>());
            var types = whole["output"]!.AsArray().Select(o => o!["type"]!.GetValue<string>()).ToList();
            switch (name)
            {
                case "forced call" or "named call":
                    Assert.Equal("completed", whole["status"]!.GetValue<string>());
                    Assert.Equal(["function_call"], types);
                    Assert.Contains(JsonNode.Parse(whole["output"]![0]!["arguments"]!.GetValue<string>())!["unit"]!.GetValue<string>(), new[] { "celsius", "fahrenheit" });
                    break;
                case "none with tools" or "text cut by max_output_tokens":
                    Assert.DoesNotContain("function_call", types);
                    break;
            }
        }
    }

    /// <summary>Ids and statuses of items differ between two runs; their content must not.</summary>
    internal static JsonArray Comparable(JsonArray output) => new(output.Select(o =>
    {
        var item = (JsonObject)o!.DeepClone();
        item.Remove("id");
        item.Remove("call_id");
        return (JsonNode)item;
    }).ToArray());

    [Fact]
    public async Task A_function_call_round_trip_continues_the_stored_conversation()
    {
        var first = await Create(Body("What is the weather in Paris?", ("tools", Tools.DeepClone()), ("tool_choice", "required"), ("parallel_tool_calls", false), ("instructions", "You are a weather bot.")));
        var call = first["output"]!.AsArray().Single(o => o!["type"]!.GetValue<string>() == "function_call")!;
        string callId = call["call_id"]!.GetValue<string>();
        Assert.StartsWith("resp_", first["id"]!.GetValue<string>());
        Assert.Equal("You are a weather bot.", first["instructions"]!.GetValue<string>());

        var answer = new object[] { new { type = "function_call_output", call_id = callId, output = "18 degrees and sunny" } };
        var second = await Create(Body(answer, ("previous_response_id", first["id"]!.GetValue<string>()), ("tools", Tools.DeepClone()), ("tool_choice", "none"), ("max_output_tokens", 6)));
        Assert.Equal(first["id"]!.GetValue<string>(), second["previous_response_id"]!.GetValue<string>());
        Assert.Equal("message", second["output"]![0]!["type"]!.GetValue<string>());
        // The second prompt holds the first turn (its question and call) besides the tool output; the first's
        // instructions are not carried over, as OpenAI's are not.
        int firstInput = first["usage"]!["input_tokens"]!.GetValue<int>(), secondInput = second["usage"]!["input_tokens"]!.GetValue<int>();
        var alone = await Create(Body(new object[] { new { type = "function_call", call_id = callId, name = "get_weather", arguments = call["arguments"]!.GetValue<string>() }, answer[0] },
            ("tools", Tools.DeepClone()), ("tool_choice", "none"), ("max_output_tokens", 1)));
        int withoutQuestion = alone["usage"]!["input_tokens"]!.GetValue<int>();
        Assert.True(secondInput > withoutQuestion, $"the continued prompt ({secondInput} tokens) should hold the first question besides the call and its output ({withoutQuestion})");
        Assert.True(secondInput < firstInput + withoutQuestion, "the first response's instructions must not be carried over");

        // Its call is answered now: answering it again, continuing the second response, is refused naming the field.
        var (status, again) = await Send(HttpMethod.Post, "/v1/responses", Body(answer, ("previous_response_id", second["id"]!.GetValue<string>())));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("input[0].call_id", again["error"]!["param"]!.GetValue<string>());

        var (getStatus, stored) = await Send(HttpMethod.Get, $"/v1/responses/{second["id"]}");
        Assert.Equal(HttpStatusCode.OK, getStatus);
        Assert.True(JsonNode.DeepEquals(second, stored), "GET returns the response as it was created");
    }

    [Fact]
    public async Task Item_references_to_a_stored_response_resolve_as_the_items_themselves()
    {
        var first = await Create(Body("What is the weather in Paris?", ("tools", Tools.DeepClone()), ("tool_choice", "required"), ("parallel_tool_calls", false)));
        var call = first["output"]![0]!;
        var input = new object[]
        {
            new { role = "user", content = "What is the weather in Paris?" },
            new { type = "item_reference", id = call["id"]!.GetValue<string>() },
            new { type = "function_call_output", call_id = call["call_id"]!.GetValue<string>(), output = "18 degrees" },
        };
        var second = await Create(Body(input, ("tools", Tools.DeepClone()), ("tool_choice", "none"), ("max_output_tokens", 4)));
        var (_, items) = await Send(HttpMethod.Get, $"/v1/responses/{second["id"]}/input_items?order=asc");
        var data = items["data"]!.AsArray();
        Assert.Equal(["message", "function_call", "function_call_output"], data.Select(i => i!["type"]!.GetValue<string>()).ToArray());
        Assert.Equal(call["arguments"]!.GetValue<string>(), data[1]!["arguments"]!.GetValue<string>());

        var (status, error) = await Send(HttpMethod.Post, "/v1/responses", Body(new object[] { new { type = "item_reference", id = "fc_0123abcd_o0" } }));
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal("input[0].id", error["error"]!["param"]!.GetValue<string>());
    }

    [Fact]
    public async Task Input_items_page_in_either_order_and_a_deleted_response_is_gone()
    {
        var input = new object[]
        {
            new { role = "system", content = "Be brief." },
            new { role = "user", content = new object[] { new { type = "input_text", text = "Hello" }, new { type = "input_text", text = " there" } } },
            new { type = "message", role = "assistant", content = new object[] { new { type = "output_text", text = "Hi." } } },
            new { role = "user", content = "Weather?" },
        };
        var response = await Create(Body(input, ("max_output_tokens", 2), ("metadata", new JsonObject { ["team"] = "search" })));
        string id = response["id"]!.GetValue<string>();
        Assert.Equal("search", response["metadata"]!["team"]!.GetValue<string>());

        var (_, page) = await Send(HttpMethod.Get, $"/v1/responses/{id}/input_items?limit=3");
        var data = page["data"]!.AsArray();
        Assert.Equal(["user", "assistant", "user"], data.Select(i => i!["role"]!.GetValue<string>()).ToArray());
        Assert.Equal("Weather?", data[0]!["content"]![0]!["text"]!.GetValue<string>());
        Assert.True(page["has_more"]!.GetValue<bool>());
        var (_, rest) = await Send(HttpMethod.Get, $"/v1/responses/{id}/input_items?limit=3&after={page["last_id"]}");
        Assert.Equal("system", rest["data"]!.AsArray().Single()!["role"]!.GetValue<string>());
        Assert.False(rest["has_more"]!.GetValue<bool>());
        var (_, asc) = await Send(HttpMethod.Get, $"/v1/responses/{id}/input_items?order=asc");
        Assert.Equal("Hello there", asc["data"]![1]!["content"]![0]!["text"]!.GetValue<string>());

        var (deleteStatus, deleted) = await Send(HttpMethod.Delete, $"/v1/responses/{id}");
        Assert.Equal(HttpStatusCode.OK, deleteStatus);
        Assert.True(deleted["deleted"]!.GetValue<bool>());
        var (getStatus, gone) = await Send(HttpMethod.Get, $"/v1/responses/{id}");
        Assert.Equal(HttpStatusCode.NotFound, getStatus);
        Assert.Equal("response_not_found", gone["error"]!["code"]!.GetValue<string>());
        var (continueStatus, refused) = await Send(HttpMethod.Post, "/v1/responses", Body("more", ("previous_response_id", id)));
        Assert.Equal(HttpStatusCode.NotFound, continueStatus);
        Assert.Equal("previous_response_id", refused["error"]!["param"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_response_made_with_store_false_keeps_nothing()
    {
        var response = await Create(Body("hi", ("store", false), ("max_output_tokens", 2)));
        Assert.False(response["store"]!.GetValue<bool>());
        var (status, _) = await Send(HttpMethod.Get, $"/v1/responses/{response["id"]}");
        Assert.Equal(HttpStatusCode.NotFound, status);
        var (continueStatus, refused) = await Send(HttpMethod.Post, "/v1/responses", Body("more", ("previous_response_id", response["id"]!.GetValue<string>())));
        Assert.Equal(HttpStatusCode.NotFound, continueStatus);
        Assert.Equal("previous_response_id", refused["error"]!["param"]!.GetValue<string>());
    }

    public static TheoryData<string, string, int> Refusals => new()
    {
        { """{"input": "hi", "background": true}""", "background", 400 },
        { """{"input": "hi", "tools": [{"type": "web_search"}]}""", "tools[0].type", 400 },
        { """{"input": "hi", "tools": [{"type": "function"}]}""", "tools[0].name", 400 },
        { """{"input": "hi", "tools": [{"type": "function", "name": "f", "parameters": {"type": "nope"}}]}""", "tools[0].parameters.type", 400 },
        { """{"input": "hi", "tools": [{"type": "function", "name": "f"}], "tool_choice": {"type": "function", "name": "g"}}""", "tool_choice.name", 400 },
        { """{"input": [{"role": "user", "content": [{"type": "input_image", "image_url": "x"}]}]}""", "input[0].content[0].type", 400 },
        { """{"input": [{"role": "robot", "content": "x"}]}""", "input[0].role", 400 },
        { """{"input": [{"type": "function_call_output", "call_id": "call_1", "output": "x"}]}""", "input[0].call_id", 400 },
        { """{"input": [{"type": "function_call", "call_id": "c", "name": "f", "arguments": "{oops"}]}""", "input[0].arguments", 400 },
        { """{"input": [{"type": "computer_call"}]}""", "input[0].type", 400 },
        { """{"input": []}""", "input", 400 },
        { """{"model_missing": true}""", "model", 400 },
        { """{"input": "hi", "previous_response_id": "resp_doesnotexist"}""", "previous_response_id", 404 },
        { """{"input": "hi", "text": {"format": {"type": "json_schema", "schema": {}}}}""", "text.format.name", 400 },
        { """{"input": "hi", "text": {"format": {"type": "yaml"}}}""", "text.format.type", 400 },
        { """{"input": "hi", "include": ["file_search_call.results"]}""", "include[0]", 400 },
        { """{"input": "hi", "temperature": 3}""", "temperature", 400 },
        { """{"input": "hi", "max_output_tokens": 999999}""", "max_output_tokens", 400 },
        { """{"input": "hi", "metadata": {"k": 1}}""", "metadata.k", 400 },
        { """{"input": "hi", "conversation": "conv_1"}""", "conversation", 400 },
        // Decided by the session grain, once the prompt is rendered: named in the Responses API's terms.
        { """{"input": "hi", "max_output_tokens": 1020}""", "max_output_tokens", 400 },
        { """{"input": "hi", "tools": [{"type": "function", "name": "f"}], "tool_choice": "required", "text": {"format": {"type": "json_object"}}}""", "text.format", 400 },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task Bad_requests_are_refused_naming_the_field(string json, string param, int status)
    {
        var body = JsonNode.Parse(json)!.AsObject();
        if (!body.ContainsKey("model_missing")) body["model"] = ClusterFixture.ModelName;
        body.Remove("model_missing");
        foreach (bool stream in new[] { false, true })
        {
            body["stream"] = stream;
            var (actual, error) = await Send(HttpMethod.Post, "/v1/responses", body);
            Assert.True((int)actual == status, $"{json} (stream {stream}): {(int)actual} {error.ToJsonString()}");
            Assert.Equal(param, error["error"]!["param"]!.GetValue<string>());
        }
    }
}
