using System.Text;
using System.Text.Json.Nodes;
using Cluster.Grains.Hosting;
using Cluster.Training;

namespace Cluster.Gateway.Tests;

/// <summary>The committed <c>demo</c> checkpoint, served as <c>serve</c> serves it by default (parser detected from its template).</summary>
public sealed class DemoClusterFixture : IAsyncLifetime
{
    private TestCluster? _cluster;

    public TestCluster Cluster => _cluster!;

    public async Task InitializeAsync() =>
        _cluster = await TestCluster.StartAsync(DemoModelLocation.Find() ?? throw new InvalidOperationException("models/demo is missing"),
            new ServedModelOptions { ModelPath = "", ServedModelName = DemoModelLocation.ServedName, ToolCallParser = "auto", MaxSequences = 8 });

    public async Task DisposeAsync()
    {
        if (_cluster is not null) await _cluster.DisposeAsync();
    }
}

[CollectionDefinition(nameof(DemoClusterCollection))]
public sealed class DemoClusterCollection : ICollectionFixture<DemoClusterFixture>;

/// <summary>
/// Real model behaviour in auto mode, with no forcing: the demo model decides to call a tool, the hermes parser reads
/// its calls as they stream, and the OpenAI SDKs' tool runners complete a call-and-answer round trip.
/// </summary>
[Collection(nameof(DemoClusterCollection))]
public sealed class DemoModelTests(DemoClusterFixture demo)
{
    private static JsonArray Tools() => new(DemoTool.Named.Select(t => (JsonNode)t.ToOpenAI()).ToArray());

    private static JsonObject Ask(string question) => new()
    {
        ["model"] = DemoModelLocation.ServedName,
        ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = question }),
        ["tools"] = Tools(),
        ["tool_choice"] = "auto",
        ["max_tokens"] = 120,
    };

    private async Task<JsonNode> Post(JsonObject body)
    {
        using var response = await demo.Cluster.Http.PostAsync("/v1/chat/completions", new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        return JsonNode.Parse(text)!;
    }

    [Fact]
    public async Task Asked_about_the_weather_in_Paris_it_calls_get_weather_in_auto_mode_streamed_as_not()
    {
        var body = Ask("What's the weather in Paris?");
        var choice = (await Post(body))["choices"]![0]!;
        Assert.Equal("tool_calls", choice["finish_reason"]!.GetValue<string>());
        var call = choice["message"]!["tool_calls"]!.AsArray().Single()!;
        Assert.Equal("get_weather", call["function"]!["name"]!.GetValue<string>());
        Assert.Equal("Paris", JsonNode.Parse(call["function"]!["arguments"]!.GetValue<string>())!["city"]!.GetValue<string>());
        Assert.Equal("ok", choice["tool_parse"]!["status"]!.GetValue<string>());

        // The same call, streamed: the name first, then the arguments in pieces that add up to the non-streamed ones.
        body["stream"] = true;
        using var response = await demo.Cluster.Http.PostAsync("/v1/chat/completions", new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));
        var deltas = (await response.Content.ReadAsStringAsync()).Split('\n')
            .Where(l => l.StartsWith("data: {", StringComparison.Ordinal)).Select(l => JsonNode.Parse(l[6..])!)
            .SelectMany(c => c["choices"]!.AsArray()).SelectMany(c => c!["delta"]!["tool_calls"]?.AsArray() ?? []).ToList();
        Assert.Equal("get_weather", deltas[0]!["function"]!["name"]!.GetValue<string>());
        Assert.True(deltas.Count > 2, "the arguments stream in pieces");
        Assert.Equal(call["function"]!["arguments"]!.GetValue<string>(), string.Concat(deltas.Select(d => d!["function"]!["arguments"]?.GetValue<string>())));
    }

    private const string RunToolsScript = """
        import OpenAI from "openai";
        const client = new OpenAI({ baseURL: process.env.BASE_URL, apiKey: "unused" });
        const calls = [];
        const getWeather = async ({ city }) => { calls.push(city); return JSON.stringify({ city, temperature: 17, unit: "celsius", condition: "cloudy" }); };
        const runner = client.chat.completions.runTools({
          model: "demo", stream: process.env.STREAM === "1",
          messages: [{ role: "user", content: "What's the weather in Paris?" }],
          tools: JSON.parse(process.env.TOOLS).map(t => ({ type: "function",
            function: { ...t.function, parse: JSON.parse, function: t.function.name === "get_weather" ? getWeather : async () => "{}" } })),
        });
        const content = await runner.finalContent();
        console.log(JSON.stringify({ calls, content }));
        """;

    [NpmFact]
    public async Task The_openai_npm_tool_runner_completes_a_call_and_answers_with_the_result()
    {
        foreach (string stream in new[] { "0", "1" })
        {
            var result = await NodeScript.RunAsync(NpmFactAttribute.Folder!, "demo-run-tools.mjs", RunToolsScript,
                ("BASE_URL", new Uri(demo.Cluster.BaseAddress, "/v1").ToString()), ("STREAM", stream), ("TOOLS", Tools().ToJsonString()));
            Assert.Equal(["Paris"], result["calls"]!.AsArray().Select(c => c!.GetValue<string>()).ToArray());
            // The runner ends on the model's text answer after the result (whether that answer quotes the result's value
            // correctly is measured by evaluate-demo-model, not asserted here).
            Assert.False(string.IsNullOrWhiteSpace(result["content"]?.GetValue<string>()), result.ToJsonString());
        }
    }
}
