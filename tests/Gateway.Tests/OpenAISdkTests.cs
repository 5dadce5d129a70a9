using System.ClientModel;
using System.Text;
using OpenAI;
using OpenAI.Chat;

namespace Cluster.Gateway.Tests;

/// <summary>The official OpenAI .NET SDK, unmodified, against the running gateway.</summary>
[Collection(nameof(ClusterCollection))]
public sealed class OpenAISdkTests(ClusterFixture cluster)
{
    private ChatClient Client(string model = ClusterFixture.ModelName) =>
        new(model, new ApiKeyCredential("unused"), new OpenAIClientOptions { Endpoint = new Uri(cluster.BaseAddress, "/v1") });

    internal static ChatTool WeatherTool() => ChatTool.CreateFunctionTool(
        "get_weather", "Current weather for a city",
        BinaryData.FromString("""{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}"""));

    [Fact]
    public async Task Sdk_reads_a_non_streaming_completion()
    {
        ChatCompletion completion = await Client().CompleteChatAsync(
            [new UserChatMessage("hello")],
            new ChatCompletionOptions { MaxOutputTokenCount = 6, Temperature = 0 });
        Assert.Equal(ChatMessageRole.Assistant, completion.Role);
        Assert.Equal(ClusterFixture.ModelName, completion.Model);
        Assert.InRange(completion.Usage.OutputTokenCount, 1, 6);
        Assert.NotNull(completion.Content);
    }

    [Fact]
    public async Task Sdk_streams_updates_with_usage_that_match_the_non_streamed_text()
    {
        var options = new ChatCompletionOptions { MaxOutputTokenCount = 8, Temperature = 0 };
        ChatCompletion whole = await Client().CompleteChatAsync([new UserChatMessage("stream please")], options);
        var text = new StringBuilder();
        ChatTokenUsage? usage = null;
        ChatFinishReason? finish = null;
        await foreach (var update in Client().CompleteChatStreamingAsync([new UserChatMessage("stream please")], options))
        {
            foreach (var part in update.ContentUpdate) text.Append(part.Text);
            usage ??= update.Usage;
            finish ??= update.FinishReason;
        }
        Assert.Equal(whole.Content.Count == 0 ? "" : whole.Content[0].Text, text.ToString());
        Assert.Equal(whole.FinishReason, finish);
        Assert.NotNull(usage);
        Assert.Equal(whole.Usage.OutputTokenCount, usage!.OutputTokenCount);
    }

    [Fact]
    public async Task Tool_choice_none_never_returns_tool_calls()
    {
        var options = new ChatCompletionOptions { MaxOutputTokenCount = 8, Temperature = 0, ToolChoice = ChatToolChoice.CreateNoneChoice() };
        options.Tools.Add(WeatherTool());
        ChatCompletion completion = await Client().CompleteChatAsync([new UserChatMessage("weather in Paris?")], options);
        Assert.Empty(completion.ToolCalls);
        Assert.NotEqual(ChatFinishReason.ToolCalls, completion.FinishReason);
    }

    [Fact]
    public async Task Errors_surface_as_the_sdks_typed_exceptions()
    {
        var notFound = await Assert.ThrowsAsync<ClientResultException>(() => Client("no-such-model").CompleteChatAsync([new UserChatMessage("x")]));
        Assert.Equal(404, notFound.Status);

        var options = new ChatCompletionOptions { ToolChoice = ChatToolChoice.CreateFunctionChoice("not_offered") };
        options.Tools.Add(WeatherTool());
        var badChoice = await Assert.ThrowsAsync<ClientResultException>(() => Client().CompleteChatAsync([new UserChatMessage("x")], options));
        Assert.Equal(400, badChoice.Status);
        Assert.Contains("tool_choice", badChoice.Message);
    }

    /// <summary>Options for forced tool calls on the random model: EOS favoured wherever the grammar allows it (see ToolCallingEndToEndTests).</summary>
    private ChatCompletionOptions ToolOptions(ChatToolChoice choice, long seed, bool? parallel = null)
    {
        var options = new ChatCompletionOptions { ToolChoice = choice, Temperature = 1f, MaxOutputTokenCount = 400, AllowParallelToolCalls = parallel };
#pragma warning disable OPENAI001 // Seed is marked experimental in the SDK
        options.Seed = seed;
#pragma warning restore OPENAI001
        options.Tools.Add(WeatherTool());
        options.Tools.Add(ChatTool.CreateFunctionTool("get_time", "Current time",
            BinaryData.FromString("""{"type":"object","properties":{"timezone":{"type":"string","enum":["UTC","CET"]}},"required":["timezone"]}""")));
        var model = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions
            .GetRequiredService<Cluster.Grains.Hosting.ModelHost>(cluster.Services).Models.Single(m => m.Name == ClusterFixture.ModelName);
        foreach (int eos in model.Frontend.Folder.Tokenizer.EosTokenIds) options.LogitBiases[eos] = 6;
        return options;
    }

    [Fact]
    public async Task Required_tool_choice_returns_calls_the_sdk_parses()
    {
        ChatCompletion completion = await Client().CompleteChatAsync([new UserChatMessage("weather in Paris?")], ToolOptions(ChatToolChoice.CreateRequiredChoice(), 4));
        Assert.Equal(ChatFinishReason.ToolCalls, completion.FinishReason);
        Assert.NotEmpty(completion.ToolCalls);
        foreach (var call in completion.ToolCalls)
        {
            Assert.Contains(call.FunctionName, new[] { "get_weather", "get_time" });
            using var arguments = System.Text.Json.JsonDocument.Parse(call.FunctionArguments);
            Assert.Equal(System.Text.Json.JsonValueKind.Object, arguments.RootElement.ValueKind);
        }
    }

    [Fact]
    public async Task Named_tool_choice_streams_one_call_to_that_tool()
    {
        var options = ToolOptions(ChatToolChoice.CreateFunctionChoice("get_time"), 8);
        var names = new Dictionary<int, string>();
        var arguments = new Dictionary<int, StringBuilder>();
        ChatFinishReason? finish = null;
        await foreach (var update in Client().CompleteChatStreamingAsync([new UserChatMessage("time?")], options))
        {
            finish ??= update.FinishReason;
            foreach (var call in update.ToolCallUpdates)
            {
                if (call.FunctionName is { } name) names[call.Index] = name;
                if (!arguments.TryGetValue(call.Index, out var sb)) arguments[call.Index] = sb = new StringBuilder();
                sb.Append(call.FunctionArgumentsUpdate?.ToString());
            }
        }
        Assert.Equal("get_time", Assert.Single(names).Value);
        using var parsed = System.Text.Json.JsonDocument.Parse(arguments[0].ToString());
        Assert.Contains(parsed.RootElement.GetProperty("timezone").GetString(), new[] { "UTC", "CET" });
        Assert.Equal(ChatFinishReason.Stop, finish);
    }

    [Fact]
    public async Task Parallel_tool_calls_false_gives_one_call_and_auto_without_strict_tools_is_free()
    {
        ChatCompletion one = await Client().CompleteChatAsync([new UserChatMessage("weather?")], ToolOptions(ChatToolChoice.CreateRequiredChoice(), 15, parallel: false));
        Assert.Single(one.ToolCalls);

        // auto: the model may or may not call; whatever it writes is parsed, never an error.
        ChatCompletion auto = await Client().CompleteChatAsync([new UserChatMessage("weather?")], ToolOptions(ChatToolChoice.CreateAutoChoice(), 16));
        Assert.Contains(auto.FinishReason, new[] { ChatFinishReason.Stop, ChatFinishReason.Length, ChatFinishReason.ToolCalls });
    }
}
