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
}
