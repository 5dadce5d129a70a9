using System.Text.Json.Nodes;

namespace Cluster.ChatTemplates.Probing;

/// <summary>Builds the OpenAI-shaped messages and tools that probes render through a template.</summary>
internal static class SyntheticConversation
{
    public static JsonObject Message(string role, string? content) => new() { ["role"] = role, ["content"] = content };

    public static JsonObject Tool(string name) => new()
    {
        ["type"] = "function",
        ["function"] = new JsonObject
        {
            ["name"] = name,
            ["description"] = "Probe tool",
            ["parameters"] = new JsonObject
            {
                ["type"] = "object",
                ["properties"] = new JsonObject { ["city"] = new JsonObject { ["type"] = "string" } },
                ["required"] = new JsonArray("city"),
            },
        },
    };

    /// <summary>An assistant message carrying tool calls; arguments are objects, or JSON strings when <paramref name="argumentsAsString"/>.</summary>
    public static JsonObject AssistantToolCalls(IReadOnlyList<SyntheticToolCall> calls, bool argumentsAsString, string? content)
    {
        var toolCalls = new JsonArray();
        foreach (var call in calls)
        {
            var arguments = JsonNode.Parse(call.ArgumentsJson)!;
            toolCalls.Add(new JsonObject
            {
                ["id"] = call.Id,
                ["type"] = "function",
                ["function"] = new JsonObject
                {
                    ["name"] = call.Name,
                    ["arguments"] = argumentsAsString ? arguments.ToJsonString() : arguments,
                },
            });
        }
        return new JsonObject { ["role"] = "assistant", ["content"] = content, ["tool_calls"] = toolCalls };
    }

    public static JsonObject ToolResult(string id, string name, string content) => new()
    {
        ["role"] = "tool",
        ["tool_call_id"] = id,
        ["name"] = name,
        ["content"] = content,
    };

    public static JsonArray Tools(params string[] names) => [.. names.Select(n => (JsonNode)Tool(n))];
}

/// <summary>A tool call to render through a template.</summary>
/// <param name="Name">The function name.</param>
/// <param name="ArgumentsJson">The arguments as a JSON object text.</param>
/// <param name="Id">The tool call id (9 alphanumerics satisfy Mistral templates too).</param>
public sealed record SyntheticToolCall(string Name, string ArgumentsJson, string Id = "call00001");
