using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Cluster.Engine.TinyModels;
using Cluster.Grains.Hosting;

namespace Cluster.Gateway.Tests;

/// <summary>Lazy strict tools under <c>tool_choice: "auto"</c>, and a reasoning model whose constraint starts after its reasoning.</summary>
public sealed class ConstrainedToolCallTests
{
    private static Task<TestCluster> Start(ServedModelOptions model) =>
        TestCluster.StartAsync(new TinyModelOptions { OutputDirectory = "", Architecture = TinyModelArchitecture.Qwen3, Seed = 4 }, model);

    private static JsonArray StrictTools()
    {
        var tools = ToolCallingEndToEndTests.Tools.DeepClone().AsArray();
        foreach (var tool in tools) tool!["function"]!["strict"] = true;
        return tools;
    }

    private static async Task<JsonNode> Post(HttpClient http, JsonObject body)
    {
        using var response = await http.PostAsync("/v1/chat/completions", new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return JsonNode.Parse(text)!;
    }

    [Fact]
    public async Task Strict_tools_under_auto_are_free_text_until_the_marker_then_a_valid_call()
    {
        await using var cluster = await Start(new ServedModelOptions { ModelPath = "", ServedModelName = "m", ToolCallParser = "hermes", MaxModelLength = 1024 });
        var tokenizer = cluster.Model("m").Frontend.Folder.Tokenizer;
        // Nudge the random model towards the start marker; what follows the marker is the constraint's doing,
        // and with parallel_tool_calls false the grammar ends after one call.
        var bias = new JsonObject { [tokenizer.TokenToId("<tool_call>")!.Value.ToString()] = 8 };
        for (int seed = 1; seed <= 3; seed++)
        {
            var result = await Post(cluster.Http, new JsonObject
            {
                ["model"] = "m",
                ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "weather?" }),
                ["tools"] = StrictTools(),
                ["tool_choice"] = "auto",
                ["temperature"] = 1.0,
                ["seed"] = seed,
                ["max_tokens"] = 300,
                ["parallel_tool_calls"] = false,
                ["logit_bias"] = bias.DeepClone(),
            });
            var choice = result["choices"]![0]!;
            Assert.True("tool_calls" == choice["finish_reason"]!.GetValue<string>(), choice.ToJsonString());
            foreach (var call in choice["message"]!["tool_calls"]!.AsArray())
                ToolCallingEndToEndTests.AssertValidCall(call!["function"]!["name"]!.GetValue<string>(), call["function"]!["arguments"]!.GetValue<string>());
            Assert.Equal("ok", choice["tool_parse"]!["status"]!.GetValue<string>());
        }
    }

    [Fact]
    public async Task A_reasoning_model_reasons_freely_then_makes_the_required_call()
    {
        // QwQ's template opens <think> in the generation prompt; the constraint must start after </think>.
        string template = Path.Combine(FixtureFolder.Path, "chat_templates", "Qwen-QwQ-32B.jinja");
        await using var cluster = await Start(new ServedModelOptions
        {
            ModelPath = "", ServedModelName = "m", ToolCallParser = "hermes", ReasoningParser = "qwen3", ChatTemplatePath = template, MaxModelLength = 1024,
        });
        var tokenizer = cluster.Model("m").Frontend.Folder.Tokenizer;
        var bias = new JsonObject { [tokenizer.TokenToId("</think>")!.Value.ToString()] = 7 };
        foreach (int eos in tokenizer.EosTokenIds) bias[eos.ToString()] = 6;
        var result = await Post(cluster.Http, new JsonObject
        {
            ["model"] = "m",
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "weather?" }),
            ["tools"] = ToolCallingEndToEndTests.Tools.DeepClone(),
            ["tool_choice"] = "required",
            ["temperature"] = 1.0,
            ["seed"] = 9,
            ["max_tokens"] = 400,
            ["logit_bias"] = bias,
        });
        var choice = result["choices"]![0]!;
        Assert.Equal("tool_calls", choice["finish_reason"]!.GetValue<string>());
        var calls = choice["message"]!["tool_calls"]!.AsArray();
        Assert.NotEmpty(calls);
        foreach (var call in calls)
            ToolCallingEndToEndTests.AssertValidCall(call!["function"]!["name"]!.GetValue<string>(), call["function"]!["arguments"]!.GetValue<string>());
        // Reasoning never leaks into content, and markers never into either.
        Assert.DoesNotContain("</think>", choice["message"]!["reasoning_content"]?.GetValue<string>() ?? "");
        Assert.Null(choice["message"]!["content"]);
    }
}
