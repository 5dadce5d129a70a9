using System.Text.Json.Nodes;

namespace Cluster.Training;

/// <summary>What a request should get: a call (tool name and arguments), or text.</summary>
public enum DemoExpectation { Call, Text, Answer }

/// <summary>
/// One synthetic conversation: the tools offered, the messages (OpenAI shape) and, for each assistant message the
/// model should learn, its index. For evaluation, the last message is the one to predict: <see cref="Expected"/> says
/// what a right reply is (the call's name and arguments, text without a call, or an answer containing <see cref="ResultValue"/>).
/// </summary>
public sealed record DemoConversation(
    string Kind,
    IReadOnlyList<DemoTool> Tools,
    JsonArray Messages,
    DemoExpectation Expected,
    string? CallName = null,
    JsonObject? CallArguments = null,
    string? ResultValue = null)
{
    public JsonArray ToolsJson() => new(Tools.Select(t => (JsonNode)t.ToOpenAI()).ToArray());
}
