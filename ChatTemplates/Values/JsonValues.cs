using System.Globalization;
using System.Numerics;
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
                var dict = new PyDict(obj.Count);
                // Indexed access: enumerating a JsonObject boxes its enumerator, a measurable cost per message.
                for (var i = 0; i < obj.Count; i++)
                {
                    var (key, child) = obj.GetAt(i);
                    dict[key] = FromJson(child);
                }
                return dict;
            case JsonArray array:
                var list = new List<object?>(array.Count);
                foreach (var item in array) list.Add(FromJson(item));
                return list;
            case JsonValue value:
                return value.TryGetValue<JsonElement>(out var element) ? FromElement(element) : FromClrValue(value);
            default:
                throw new ArgumentException($"unsupported JSON node {node.GetType().Name}");
        }
    }

    // Parsed JSON: the element keeps its literal, and Python's json.loads makes an int unless it has a fraction or exponent.
    private static object? FromElement(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => element.GetString(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Null => null,
        JsonValueKind.Number => element.TryGetInt64(out var l) ? l : NumberFromLiteral(element.GetRawText()),
        _ => FromJson(JsonNode.Parse(element.GetRawText())),
    };

    // Values built in code keep their CLR type: integral types are ints, floating types floats.
    private static object? FromClrValue(JsonValue value)
    {
        switch (value.GetValueKind())
        {
            case JsonValueKind.String: return value.GetValue<string>();
            case JsonValueKind.True: return true;
            case JsonValueKind.False: return false;
            case JsonValueKind.Null: return null;
            case JsonValueKind.Number:
                if (value.TryGetValue<long>(out var l)) return l;
                if (value.TryGetValue<int>(out var i)) return (long)i;
                if (value.TryGetValue<double>(out var d)) return d;
                if (value.TryGetValue<float>(out var f)) return (double)f;
                if (value.TryGetValue<decimal>(out var m)) return (double)m;
                return NumberFromLiteral(value.ToJsonString());
            default: throw new ArgumentException($"unsupported JSON value {value}");
        }
    }

    private static object NumberFromLiteral(string text)
    {
        if (text.AsSpan().IndexOfAny('.', 'e', 'E') < 0)
        {
            if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l)) return l;
            return BigInteger.Parse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        }
        return double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
    }
}
