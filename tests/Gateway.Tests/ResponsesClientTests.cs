#pragma warning disable OPENAI001 // the OpenAI .NET SDK marks its Responses client experimental
using System.ClientModel;
using System.Text;
using System.Text.Json.Nodes;
using OpenAI;
using OpenAI.Responses;

namespace Cluster.Gateway.Tests;

/// <summary>
/// The Responses API through the clients people use: the <c>openai</c> npm package (<c>responses.create</c>,
/// <c>responses.stream</c> and its events, <c>previous_response_id</c>), the Vercel AI SDK's <c>openai.responses(…)</c>
/// provider running a tool loop (which refers back to earlier items with <c>item_reference</c>), and the official
/// OpenAI .NET SDK's <see cref="ResponsesClient"/>, streaming and not. Each runs a function call, its result, and the
/// answer, with the conversation kept by the server.
/// </summary>
[Collection(nameof(ClusterCollection))]
public sealed class ResponsesClientTests(ClusterFixture cluster)
{
    private const string ToolSchema = """{"type": "object", "properties": {"unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}}, "required": ["unit"], "additionalProperties": false}""";

    private const string OpenAIScript = """
        import OpenAI from "openai";
        const client = new OpenAI({ baseURL: process.env.BASE_URL, apiKey: "unused" });
        const model = process.env.MODEL;
        const tools = JSON.parse(process.env.TOOLS);
        const first = await client.responses.create({ model, input: "What is the weather in Paris?", tools, tool_choice: "required", parallel_tool_calls: false });
        const call = first.output.find(o => o.type === "function_call");

        const streamedCall = client.responses.stream({ model, input: "What is the weather in Paris?", tools, tool_choice: "required", parallel_tool_calls: false });
        let argumentDeltas = "";
        streamedCall.on("response.function_call_arguments.delta", e => { argumentDeltas += e.delta; });
        const callResponse = await streamedCall.finalResponse();

        const stream = client.responses.stream({ model, previous_response_id: first.id, tools, tool_choice: "none", max_output_tokens: 12,
          input: [{ type: "function_call_output", call_id: call.call_id, output: "18 degrees and sunny" }] });
        const types = [];
        let textDeltas = "";
        stream.on("event", e => types.push(e.type));
        stream.on("response.output_text.delta", e => { textDeltas += e.delta; });
        const second = await stream.finalResponse();
        const fetched = await client.responses.retrieve(second.id);
        console.log(JSON.stringify({ first, call, callResponse, argumentDeltas, second, outputText: second.output_text, types, textDeltas, fetched }));
        """;

    [NpmFact]
    public async Task The_openai_npm_package_runs_a_function_call_round_trip_streaming_and_not()
    {
        var tools = new JsonArray(new JsonObject { ["type"] = "function", ["name"] = "get_weather", ["description"] = "Current weather", ["parameters"] = JsonNode.Parse(ToolSchema) });
        var result = await RunNode(NpmFactAttribute.Folder!, "responses.mjs", OpenAIScript, ("TOOLS", tools.ToJsonString()));

        var call = result["call"]!;
        Assert.Equal("get_weather", call["name"]!.GetValue<string>());
        Assert.Contains(JsonNode.Parse(call["arguments"]!.GetValue<string>())!["unit"]!.GetValue<string>(), new[] { "celsius", "fahrenheit" });

        var streamedCall = result["callResponse"]!["output"]!.AsArray().Single(o => o!["type"]!.GetValue<string>() == "function_call")!;
        Assert.Equal(streamedCall["arguments"]!.GetValue<string>(), result["argumentDeltas"]!.GetValue<string>());

        var second = result["second"]!;
        Assert.Equal(result["first"]!["id"]!.GetValue<string>(), second["previous_response_id"]!.GetValue<string>());
        Assert.Equal(result["textDeltas"]!.GetValue<string>(), result["outputText"]!.GetValue<string>());
        Assert.NotEmpty(result["outputText"]!.GetValue<string>());
        var types = result["types"]!.AsArray().Select(t => t!.GetValue<string>()).ToList();
        Assert.Equal(["response.created", "response.in_progress", "response.output_item.added", "response.content_part.added"], types.Take(4));
        Assert.Equal("response.incomplete", types[^1]);
        Assert.Equal(second["id"]!.GetValue<string>(), result["fetched"]!["id"]!.GetValue<string>());
        // The SDK decorates what it parsed (output_text parts get "parsed"); the stored items are the streamed ones.
        static string Items(JsonNode response) => string.Join("|", response["output"]!.AsArray().Select(o => o!["id"] + ":" + o["content"]![0]!["text"]));
        Assert.Equal(Items(second), Items(result["fetched"]!));
    }

    private const string AiSdkScript = """
        import { createOpenAI } from "@ai-sdk/openai";
        import { generateText, streamText, tool, stepCountIs } from "ai";
        import { z } from "zod";
        const openai = createOpenAI({ baseURL: process.env.BASE_URL, apiKey: "unused" });
        const executed = [];
        const tools = { get_weather: tool({ description: "Current weather", inputSchema: z.object({ unit: z.enum(["celsius", "fahrenheit"]) }),
          execute: async ({ unit }) => { executed.push(unit); return `18 degrees ${unit}`; } }) };
        const settings = { model: openai.responses(process.env.MODEL), prompt: "What is the weather in Paris?", tools, maxOutputTokens: 120,
          stopWhen: stepCountIs(3), providerOptions: { openai: { parallelToolCalls: false } },
          prepareStep: ({ stepNumber }) => ({ toolChoice: stepNumber === 0 ? "required" : "none" }) };
        const describe = steps => steps.map(s => ({ calls: s.toolCalls.map(c => c.toolName), results: s.toolResults.map(r => r.output), text: s.text, finish: s.finishReason, id: s.response.id }));
        const generated = await generateText(settings);
        const streamed = streamText(settings);
        let streamedText = "";
        for await (const part of streamed.textStream) streamedText += part;
        const streamedSteps = await streamed.steps;
        console.log(JSON.stringify({ generated: describe(generated.steps), streamed: describe(streamedSteps), streamedText, executed }));
        """;

    [AiSdkFact]
    public async Task The_Vercel_AI_SDK_responses_provider_runs_a_tool_loop_with_item_references()
    {
        var result = await RunNode(AiSdkFactAttribute.Folder!, "responses-ai-sdk.mjs", AiSdkScript);
        foreach (string run in new[] { "generated", "streamed" })
        {
            var steps = result[run]!.AsArray();
            Assert.True(steps.Count == 2, $"{run}: {steps.ToJsonString()}");
            Assert.Equal(["get_weather"], steps[0]!["calls"]!.AsArray().Select(c => c!.GetValue<string>()).ToArray());
            Assert.StartsWith("18 degrees ", steps[0]!["results"]![0]!.GetValue<string>());
            Assert.Empty(steps[1]!["calls"]!.AsArray());
            Assert.NotEmpty(steps[1]!["text"]!.GetValue<string>());
            Assert.NotEqual(steps[0]!["id"]!.GetValue<string>(), steps[1]!["id"]!.GetValue<string>());
        }
        Assert.Equal(result["streamed"]![1]!["text"]!.GetValue<string>(), result["streamedText"]!.GetValue<string>()[^result["streamed"]![1]!["text"]!.GetValue<string>().Length..]);
        Assert.Equal(2, result["executed"]!.AsArray().Count);
    }

    [Fact]
    public async Task The_OpenAI_dotnet_ResponsesClient_runs_a_function_call_round_trip_streaming_and_not()
    {
        var client = new ResponsesClient(new ApiKeyCredential("unused"), new OpenAIClientOptions { Endpoint = new Uri(cluster.BaseAddress, "/v1") });
        var tool = ResponseTool.CreateFunctionTool("get_weather", BinaryData.FromString(ToolSchema), strictModeEnabled: true, functionDescription: "Current weather");
        var options = new CreateResponseOptions { Model = ClusterFixture.ModelName, ToolChoice = ResponseToolChoice.CreateRequiredChoice(), ParallelToolCallsEnabled = false };
        options.Tools.Add(tool);
        options.InputItems.Add(ResponseItem.CreateUserMessageItem("What is the weather in Paris?"));
        ResponseResult first = await client.CreateResponseAsync(options);
        var call = first.OutputItems.OfType<FunctionCallResponseItem>().Single();
        Assert.Equal("get_weather", call.FunctionName);

        var next = new CreateResponseOptions { Model = ClusterFixture.ModelName, PreviousResponseId = first.Id, ToolChoice = ResponseToolChoice.CreateNoneChoice(), MaxOutputTokenCount = 12, StreamingEnabled = true };
        next.Tools.Add(tool);
        next.InputItems.Add(ResponseItem.CreateFunctionCallOutputItem(call.CallId, "18 degrees and sunny"));
        var deltas = new StringBuilder();
        ResponseResult? final = null;
        await foreach (var update in client.CreateResponseStreamingAsync(next))
        {
            if (update is StreamingResponseOutputTextDeltaUpdate delta) deltas.Append(delta.Delta);
            if (update is StreamingResponseCompletedUpdate completed) final = completed.Response;
            if (update is StreamingResponseIncompleteUpdate incomplete) final = incomplete.Response;
        }
        Assert.NotNull(final);
        Assert.Equal(first.Id, final.PreviousResponseId);
        Assert.Equal(deltas.ToString(), final.GetOutputText());

        ResponseResult fetched = await client.GetResponseAsync(final.Id);
        Assert.Equal(final.GetOutputText(), fetched.GetOutputText());
    }

    private Task<JsonNode> RunNode(string folder, string name, string script, params (string Key, string Value)[] environment) =>
        NodeScript.RunAsync(folder, name, script, [("BASE_URL", new Uri(cluster.BaseAddress, "/v1").ToString()), ("MODEL", ClusterFixture.ModelName), .. environment]);
}

/// <summary>A fact that needs node and the Vercel AI SDK (<c>ai</c>, <c>@ai-sdk/openai</c>); skipped, saying why, when they cannot be had.</summary>
public sealed class AiSdkFactAttribute : FactAttribute
{
    // ai@5 with its OpenAI provider @2 (both support Node 20), zod@3 for the tool's input schema.
    private static readonly Lazy<(string? Folder, string? Problem)> Install = new(() => NpmPackages.Install("cluster-tests-npm-ai-sdk", "@ai-sdk/openai/package.json", "ai@5 @ai-sdk/openai@2 zod@3"));

    public AiSdkFactAttribute()
    {
        if (Install.Value.Problem is { } problem) Skip = problem;
    }

    public static string? Folder => Install.Value.Folder;
}
