using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Cluster.ChatTemplates.Probing;

/// <summary>
/// Reshapes OpenAI chat messages into what a template reads, per its <see cref="TemplateCapabilities"/>: tool-call
/// arguments from JSON strings to objects, <c>content: null</c> to <c>""</c>, and tool-call ids to 9 alphanumerics
/// (mapped consistently between an assistant's calls and the tool results answering them).
/// </summary>
public static class MessageNormalizer
{
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    /// <summary>Returns normalized copies of <paramref name="messages"/>; the input is not modified.</summary>
    public static JsonArray Normalize(JsonArray messages, TemplateCapabilities capabilities)
    {
        ArgumentNullException.ThrowIfNull(messages);
        ArgumentNullException.ThrowIfNull(capabilities);
        var result = new JsonArray();
        foreach (var node in messages)
        {
            var copy = node?.DeepClone();
            if (copy is JsonObject message) NormalizeMessage(message, capabilities);
            result.Add(copy);
        }
        return result;
    }

    private static void NormalizeMessage(JsonObject message, TemplateCapabilities capabilities)
    {
        if (capabilities.RequiresNonNullContent && message.TryGetPropertyValue("content", out var content) && content is null)
            message["content"] = "";
        if (capabilities.RequiresNineCharacterToolCallIds && message["tool_call_id"] is JsonValue id && id.TryGetValue<string>(out var toolCallId))
            message["tool_call_id"] = NineCharacterId(toolCallId);
        if (message["tool_calls"] is not JsonArray calls) return;
        foreach (var call in calls.OfType<JsonObject>())
        {
            if (capabilities.RequiresNineCharacterToolCallIds && call["id"] is JsonValue callId && callId.TryGetValue<string>(out var idText))
                call["id"] = NineCharacterId(idText);
            if (capabilities.RequiresObjectArguments && call["function"] is JsonObject function
                && function["arguments"] is JsonValue arguments && arguments.TryGetValue<string>(out var json))
                function["arguments"] = ParseObjectOrKeep(json);
        }
    }

    private static JsonNode? ParseObjectOrKeep(string json)
    {
        try
        {
            // An empty string is what streaming clients send for a call without arguments.
            return string.IsNullOrWhiteSpace(json) ? new JsonObject() : JsonNode.Parse(json) is JsonObject o ? o : JsonValue.Create(json);
        }
        catch (JsonException)
        {
            return JsonValue.Create(json);
        }
    }

    /// <summary>Maps any id to 9 alphanumerics: ids that already are stay; others are hashed, so equal ids map equally.</summary>
    public static string NineCharacterId(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        if (id.Length == 9 && id.All(char.IsAsciiLetterOrDigit)) return id;
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(id));
        var chars = new char[9];
        for (var i = 0; i < chars.Length; i++) chars[i] = Alphabet[hash[i] % Alphabet.Length];
        return new string(chars);
    }
}
