using System.Text.Json;
using System.Text.Json.Nodes;

namespace Cluster.ChatTemplates.Values;

/// <summary>Converts between System.Text.Json nodes and template values, the way Python's <c>json.loads</c> types them.</summary>
public static class JsonValues
{
    /// <summary>JSON → template value: objects become dicts (key order kept), integers <c>int</c>, other numbers <c>float</c>.</summary>
    public static object? FromJson(JsonNode? node)
    {
        switch (node)
        {
            case null: return null;
            case JsonObject obj:
                var dict = new PyDict();
                foreach (var kv in obj) dict[kv.Key] = FromJson(kv.Value);
                return dict;
            case JsonArray array:
                var list = new List<object?>(array.Count);
                foreach (var item in array) list.Add(FromJson(item));
                return list;
            case JsonValue value:
                return value.GetValueKind() switch
                {
                    JsonValueKind.String => value.GetValue<string>(),
                    JsonValueKind.True => true,
                    JsonValueKind.False => false,
                    JsonValueKind.Null => null,
                    JsonValueKind.Number => Number(value),
                    _ => throw new ArgumentException($"unsupported JSON value {value}"),
                };
            default:
                throw new ArgumentException($"unsupported JSON node {node.GetType().Name}");
        }
    }

    private static object Number(JsonValue value)
    {
        if (value.TryGetValue<long>(out var l)) return l;
        var text = value.ToJsonString();
        // Python's json.loads makes a float only when the literal has a fraction or an exponent.
        if (!text.Contains('.') && !text.Contains('e') && !text.Contains('E') && value.TryGetValue<decimal>(out var big))
            return (double)big;
        return value.GetValue<double>();
    }
}
