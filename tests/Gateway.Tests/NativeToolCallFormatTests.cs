using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Cluster.Engine.TinyModels;
using Cluster.Grains.Hosting;

namespace Cluster.Gateway.Tests;

/// <summary>
/// Auto mode with a real forward pass, per model family: a regex constraint (<c>structured_outputs.regex</c>) makes
/// the tiny model emit a given model-native tool-call text while <c>tool_choice</c> is <c>auto</c>, and the family's
/// parser must turn it into OpenAI tool calls, streaming and not.
/// </summary>
public sealed class NativeToolCallFormatTests
{
    public static TheoryData<TinyModelArchitecture, string?, string, string> Families => new()
    {
        { TinyModelArchitecture.Qwen2, "auto", "hermes", "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\", \"days\": 3}}\n</tool_call>" },
        { TinyModelArchitecture.Mistral, "auto", "mistral", "[TOOL_CALLS] [{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\", \"days\": 3}}]" },
        { TinyModelArchitecture.Llama, "auto", "llama3_json", "{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\", \"days\": 3}}" },
        { TinyModelArchitecture.Qwen3, "qwen3_coder", "qwen3_coder", "<tool_call>\n<function=get_weather>\n<parameter=city>\nParis\n</parameter>\n<parameter=days>\n3\n</parameter>\n</function>\n</tool_call>" },
    };

    private static string Escape(string text)
    {
        var escaped = new StringBuilder();
        foreach (char c in text)
        {
            if ("\\.[](){}*+?|^$".Contains(c)) escaped.Append('\\').Append(c);
            else if (c == '\n') escaped.Append("\\n");
            else escaped.Append(c);
        }
        return escaped.ToString();
    }

    [Theory]
    [MemberData(nameof(Families))]
    public async Task The_familys_parser_reads_its_native_calls_streaming_and_not(TinyModelArchitecture architecture, string? parserFlag, string expectedParser, string nativeText)
    {
        await using var cluster = await TestCluster.StartAsync(
            new TinyModelOptions { OutputDirectory = "", Architecture = architecture, Seed = 3 },
            new ServedModelOptions { ModelPath = "", ServedModelName = "m", ToolCallParser = parserFlag, MaxModelLength = 1024 });
        var http = cluster.Http;
        Assert.Equal(expectedParser, cluster.Model("m").Frontend.Format.ToolCallParser);

        JsonObject Body(bool stream) => new()
        {
            ["model"] = "m",
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "Weather in Paris for 3 days?" }),
            ["tools"] = ToolCallingEndToEndTests.Tools.DeepClone(),
            ["tool_choice"] = "auto",
            ["temperature"] = 1.0,
            ["max_tokens"] = 200,
            ["structured_outputs"] = new JsonObject { ["regex"] = Escape(nativeText) },
            ["stream"] = stream,
        };

        using var response = await http.PostAsync("/v1/chat/completions", new StringContent(Body(false).ToJsonString(), Encoding.UTF8, "application/json"));
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        var choice = JsonNode.Parse(text)!["choices"]![0]!;
        Assert.Equal("tool_calls", choice["finish_reason"]!.GetValue<string>());
        Assert.Null(choice["message"]!["content"]);
        var call = Assert.Single(choice["message"]!["tool_calls"]!.AsArray())!;
        Assert.Equal("get_weather", call["function"]!["name"]!.GetValue<string>());
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"city": "Paris", "days": 3}"""), JsonNode.Parse(call["function"]!["arguments"]!.GetValue<string>())));
        Assert.Equal(expectedParser, choice["tool_parse"]!["parser"]!.GetValue<string>());

        using var streamed = await http.PostAsync("/v1/chat/completions", new StringContent(Body(true).ToJsonString(), Encoding.UTF8, "application/json"));
        var chunks = await ToolCallingEndToEndTests.ReadStream(streamed);
        var calls = ToolCallingEndToEndTests.Accumulate(chunks, out string? finish);
        Assert.Equal("tool_calls", finish);
        var streamedCall = Assert.Single(calls);
        Assert.Equal("get_weather", streamedCall.Name);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"city": "Paris", "days": 3}"""), JsonNode.Parse(streamedCall.Arguments)));
        string content = string.Concat(chunks.SelectMany(c => c["choices"]!.AsArray()).Select(c => c!["delta"]!["content"]?.GetValue<string>() ?? ""));
        Assert.True(string.IsNullOrWhiteSpace(content), $"marker text leaked into content: {content}");
    }
}
