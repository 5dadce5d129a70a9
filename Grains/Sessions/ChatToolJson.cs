using System.Text.Json.Nodes;
using Cluster.Contracts.OpenAI;

namespace Cluster.Grains.Sessions;

/// <summary>A request's tools back in OpenAI's JSON shape, for chat templates and parsers alike.</summary>
internal static class ChatToolJson
{
    public static JsonArray ToOpenAI(IEnumerable<ChatTool> tools) => new(tools.Select(ToOpenAI).ToArray());

    public static JsonNode ToOpenAI(ChatTool tool)
    {
        var function = new JsonObject { ["name"] = tool.Name };
        if (tool.Description is not null) function["description"] = tool.Description;
        function["parameters"] = tool.ParametersJson is null ? new JsonObject { ["type"] = "object", ["properties"] = new JsonObject() } : JsonNode.Parse(tool.ParametersJson);
        if (tool.Strict is not null) function["strict"] = tool.Strict;
        return new JsonObject { ["type"] = "function", ["function"] = function };
    }
}
