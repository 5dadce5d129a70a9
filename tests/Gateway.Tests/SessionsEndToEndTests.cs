using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;

namespace Cluster.Gateway.Tests;

[Collection(nameof(ClusterCollection))]
public sealed class SessionsEndToEndTests(ClusterFixture cluster)
{
    private async Task<(HttpStatusCode Status, JsonNode Body)> Chat(string session, object[] messages, int maxTokens = 3)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = new StringContent(JsonSerializer.Serialize(new { model = ClusterFixture.ModelName, messages, max_tokens = maxTokens, temperature = 0 }), Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("X-Session-Id", session);
        using var response = await cluster.Http.SendAsync(request);
        return (response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync())!);
    }

    private async Task<JsonNode> Snapshot(string session) => JsonNode.Parse(await cluster.Http.GetStringAsync($"/v1/sessions/{session}"))!;

    private static object ToolCallTurn(string id) => new
    {
        role = "assistant",
        content = (string?)null,
        tool_calls = new[] { new { id, type = "function", function = new { name = "get_weather", arguments = """{"city": "Paris"}""" } } },
    };

    [Fact]
    public async Task A_session_keeps_history_and_tool_call_state_across_requests_and_deactivation()
    {
        string session = "s-" + Guid.NewGuid().ToString("N");
        var (status, first) = await Chat(session, [new { role = "user", content = "What is the weather in Paris?" }]);
        Assert.Equal(HttpStatusCode.OK, status);
        int firstPrompt = first["usage"]!["prompt_tokens"]!.GetValue<int>();

        // The client reports a tool call the assistant made; it becomes pending.
        (status, _) = await Chat(session, [ToolCallTurn("call_a1"), new { role = "user", content = "go on" }]);
        Assert.Equal(HttpStatusCode.OK, status);
        var snapshot = await Snapshot(session);
        Assert.Equal(new[] { "call_a1" }, snapshot["pending_tool_call_ids"]!.AsArray().Select(n => n!.GetValue<string>()).ToArray());

        // Survive deactivation: collect every idle activation, then read the session back.
        var grains = cluster.Services.GetRequiredService<IGrainFactory>();
        await grains.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        snapshot = await Snapshot(session);
        Assert.Equal(5, snapshot["messages"]!.AsArray().Count); // user, assistant, assistant(tool call), user, assistant

        // The tool result answers the pending call: accepted, and the stored history is prepended to the prompt.
        var (answered, third) = await Chat(session, [new { role = "tool", tool_call_id = "call_a1", content = "18°C, sunny" }]);
        Assert.Equal(HttpStatusCode.OK, answered);
        Assert.True(third["usage"]!["prompt_tokens"]!.GetValue<int>() > firstPrompt + 10);
        Assert.Empty((await Snapshot(session))["pending_tool_call_ids"]!.AsArray());

        // A second answer to the same call, or an answer to a call never made, is the client's error.
        var (again, error) = await Chat(session, [new { role = "tool", tool_call_id = "call_a1", content = "again" }]);
        Assert.Equal(HttpStatusCode.BadRequest, again);
        Assert.Equal("messages[0].tool_call_id", error["error"]!["param"]!.GetValue<string>());
        var (unknown, _) = await Chat(session, [new { role = "tool", tool_call_id = "call_zz", content = "?" }]);
        Assert.Equal(HttpStatusCode.BadRequest, unknown);

        using var deleted = await cluster.Http.DeleteAsync($"/v1/sessions/{session}");
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        // A deleted session no longer exists: reading it is a 404, as for an id never used.
        using var gone = await cluster.Http.GetAsync($"/v1/sessions/{session}");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        Assert.Equal("session_not_found", JsonNode.Parse(await gone.Content.ReadAsStringAsync())!["error"]!["code"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_second_request_on_a_busy_session_is_rejected_with_409()
    {
        string session = "busy-" + Guid.NewGuid().ToString("N");
        using var longRequest = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = new StringContent(JsonSerializer.Serialize(new
            {
                model = ClusterFixture.ModelName,
                messages = new[] { new { role = "user", content = "talk" } },
                max_tokens = 600, ignore_eos = true, stream = true,
            }), Encoding.UTF8, "application/json"),
        };
        longRequest.Headers.Add("X-Session-Id", session);
        using var stream = await cluster.Http.SendAsync(longRequest, HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await stream.Content.ReadAsStreamAsync());
        Assert.NotNull(await reader.ReadLineAsync()); // the first chunk: the turn is running

        var (status, body) = await Chat(session, [new { role = "user", content = "me too" }]);
        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Equal("session_busy", body["error"]!["code"]!.GetValue<string>());
    }

    [Fact]
    public async Task Stateless_requests_validate_tool_results_against_their_own_messages()
    {
        using var response = await cluster.Http.PostAsync("/v1/chat/completions", new StringContent(JsonSerializer.Serialize(new
        {
            model = ClusterFixture.ModelName,
            messages = new object[] { new { role = "user", content = "hi" }, new { role = "tool", tool_call_id = "call_x", content = "r" } },
        }), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!;
        Assert.Equal("messages[1].tool_call_id", error["param"]!.GetValue<string>());
    }
}
