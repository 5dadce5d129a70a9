using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;

namespace Cluster.Gateway.Tests;

/// <summary>
/// The <c>openai</c> npm package (installed into a temporary folder on first use): its streaming helper
/// (<c>chat.completions.stream()</c> → <c>finalChatCompletion()</c>) must accumulate our tool-call deltas into the
/// same calls as the non-streaming response. Skipped, with the reason, when node or the npm registry is unavailable.
/// </summary>
[Collection(nameof(ClusterCollection))]
public sealed class NpmOpenAIClientTests(ClusterFixture cluster)
{
    private const string Script = """
        import OpenAI from "openai";
        const client = new OpenAI({ baseURL: process.env.BASE_URL, apiKey: "unused" });
        const body = JSON.parse(process.env.REQUEST);
        const final = await client.chat.completions.stream(body).finalChatCompletion();
        const whole = await client.chat.completions.create({ ...body, stream: false });
        console.log(JSON.stringify({ streamed: final.choices[0], whole: whole.choices[0] }));
        """;

    [NpmFact]
    public async Task Stream_helper_accumulates_the_same_tool_calls_as_the_non_streamed_response()
    {
        var model = cluster.Services.GetRequiredService<Cluster.Grains.Hosting.ModelHost>().Models.Single(m => m.Name == ClusterFixture.ModelName);
        var bias = new JsonObject();
        foreach (int eos in model.Frontend.Folder.Tokenizer.EosTokenIds) bias[eos.ToString()] = 6;
        var request = new JsonObject
        {
            ["model"] = ClusterFixture.ModelName,
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "Weather in Paris?" }),
            ["tools"] = ToolCallingEndToEndTests.Tools.DeepClone(),
            ["tool_choice"] = "required",
            ["temperature"] = 1.0,
            ["seed"] = 77,
            ["max_tokens"] = 400,
            ["logit_bias"] = bias,
        };
        string script = Path.Combine(NpmFactAttribute.Folder!, "stream-tools.mjs");
        await File.WriteAllTextAsync(script, Script);
        var start = new ProcessStartInfo("node", script) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = NpmFactAttribute.Folder! };
        start.Environment["BASE_URL"] = new Uri(cluster.BaseAddress, "/v1").ToString();
        start.Environment["REQUEST"] = request.ToJsonString();
        using var node = Process.Start(start)!;
        string stdout = await node.StandardOutput.ReadToEndAsync();
        string stderr = await node.StandardError.ReadToEndAsync();
        await node.WaitForExitAsync();
        Assert.True(node.ExitCode == 0, stderr);

        var result = JsonNode.Parse(stdout)!;
        var streamed = result["streamed"]!["message"]!["tool_calls"]!.AsArray();
        var whole = result["whole"]!["message"]!["tool_calls"]!.AsArray();
        Assert.NotEmpty(whole);
        Assert.Equal(whole.Count, streamed.Count);
        for (int i = 0; i < whole.Count; i++)
        {
            Assert.Equal(whole[i]!["id"]!.GetValue<string>(), streamed[i]!["id"]!.GetValue<string>());
            Assert.Equal(whole[i]!["function"]!["name"]!.GetValue<string>(), streamed[i]!["function"]!["name"]!.GetValue<string>());
            Assert.True(JsonNode.DeepEquals(
                JsonNode.Parse(whole[i]!["function"]!["arguments"]!.GetValue<string>()),
                JsonNode.Parse(streamed[i]!["function"]!["arguments"]!.GetValue<string>())));
        }
        Assert.Equal("tool_calls", result["streamed"]!["finish_reason"]!.GetValue<string>());
    }
}

/// <summary>A fact that needs node and the <c>openai</c> npm package; skipped, saying why, when they cannot be had.</summary>
public sealed class NpmFactAttribute : FactAttribute
{
    private static readonly Lazy<(string? Folder, string? Problem)> Install = new(() => NpmPackages.Install("cluster-tests-npm-openai", "openai/package.json", "openai@6"));

    public NpmFactAttribute()
    {
        if (Install.Value.Problem is { } problem) Skip = problem;
    }

    public static string? Folder => Install.Value.Folder;
}
