using System.Text.Json;
using System.Text.Json.Nodes;

namespace Cluster.Parsers.Tests;

/// <summary>Semantic JSON comparison: member order ignored, numbers compared by value.</summary>
internal static class JsonAssert
{
    public static bool SemanticallyEqual(JsonNode? a, JsonNode? b)
    {
        switch (a, b)
        {
            case (null, null):
                return true;
            case (JsonObject oa, JsonObject ob):
                return oa.Count == ob.Count && oa.All(p => ob.TryGetPropertyValue(p.Key, out var v) && SemanticallyEqual(p.Value, v));
            case (JsonArray aa, JsonArray ab):
                return aa.Count == ab.Count && aa.Zip(ab).All(p => SemanticallyEqual(p.First, p.Second));
            case (JsonValue va, JsonValue vb):
                var ea = va.GetValue<JsonElement>();
                var eb = vb.GetValue<JsonElement>();
                if (ea.ValueKind == JsonValueKind.Number && eb.ValueKind == JsonValueKind.Number)
                {
                    return ea.GetDouble() == eb.GetDouble();
                }
                return ea.ValueKind == eb.ValueKind && ea.GetRawText() == eb.GetRawText()
                    || (ea.ValueKind == JsonValueKind.String && eb.ValueKind == JsonValueKind.String && ea.GetString() == eb.GetString());
            default:
                return false;
        }
    }

    /// <summary>Parses arguments text; null when it is not JSON.</summary>
    public static JsonNode? TryParse(string text, out bool ok)
    {
        try
        {
            var node = JsonNode.Parse(text);
            ok = true;
            return node;
        }
        catch (JsonException)
        {
            ok = false;
            return null;
        }
    }

    public static void Equal(JsonNode? expected, string actualText, string context)
    {
        var actual = TryParse(actualText, out var ok);
        Assert.True(ok, $"{context}: arguments are not JSON: {actualText}");
        Assert.True(SemanticallyEqual(Reparse(expected), actual), $"{context}: expected {expected?.ToJsonString()} but got {actualText}");
    }

    private static JsonNode? Reparse(JsonNode? node) => node is null ? null : JsonNode.Parse(node.ToJsonString());
}
