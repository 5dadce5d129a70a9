using System.Text.Json;
using System.Text.Json.Nodes;

namespace Cluster.Parsers;

/// <summary>The JSON view of a parse result that the <c>parse-tool-calls</c> command prints.</summary>
public static class ToolCallParseReport
{
    /// <summary>
    /// <c>{"content": …, "reasoning": …, "tool_calls": [{"id", "name", "arguments": {…}}], "status": "ok|repaired|failed", "errors": [{"code", "message"}]}</c>.
    /// Arguments are embedded as JSON, or as a string when they are not valid JSON (a call that failed after it was
    /// announced keeps the arguments read so far).
    /// </summary>
    public static JsonObject Build(ToolCallParseResult result) => new()
    {
        ["content"] = result.Content,
        ["reasoning"] = result.Reasoning,
        ["tool_calls"] = new JsonArray(result.ToolCalls.Select(c => (JsonNode)new JsonObject
        {
            ["id"] = c.Id,
            ["name"] = c.Name,
            ["arguments"] = ParseOrString(c.Arguments),
        }).ToArray()),
        ["status"] = result.Status.ToString().ToLowerInvariant(),
        ["errors"] = new JsonArray(result.Errors.Select(e => (JsonNode)new JsonObject { ["code"] = e.Code, ["message"] = e.Message }).ToArray()),
    };

    private static JsonNode? ParseOrString(string json)
    {
        try
        {
            return JsonNode.Parse(json);
        }
        catch (JsonException)
        {
            return JsonValue.Create(json);
        }
    }
}
