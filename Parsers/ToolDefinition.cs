using System.Text.Json.Nodes;

namespace Cluster.Parsers;

/// <summary>
/// A function the request offers (OpenAI <c>tools[].function</c>): its name and JSON-schema parameters.
/// Schema-typed formats (XML parameters, key/value tags) use the schema to type raw values.
/// </summary>
public sealed record ToolDefinition(string Name, JsonObject? Parameters)
{
    /// <summary>
    /// Reads an OpenAI <c>tools</c> array (<c>[{"type":"function","function":{"name":…,"parameters":{…}}}]</c>).
    /// Entries without a function name are skipped.
    /// </summary>
    public static IReadOnlyList<ToolDefinition> FromOpenAiTools(JsonNode? tools)
    {
        var result = new List<ToolDefinition>();
        if (tools is not JsonArray array)
        {
            return result;
        }
        foreach (var item in array)
        {
            var function = item?["function"] as JsonObject ?? item as JsonObject;
            if (function?["name"] is JsonValue nameValue && nameValue.TryGetValue(out string? name))
            {
                result.Add(new ToolDefinition(name, function["parameters"] as JsonObject));
            }
        }
        return result;
    }

    /// <summary>The JSON-schema <c>type</c> of property <paramref name="parameter"/>, or null when the schema does not say.
    /// For a union (<c>["integer","null"]</c>) the first non-null type is returned.</summary>
    public string? ParameterType(string parameter)
    {
        if (Parameters?["properties"]?[parameter] is not JsonObject property)
        {
            return null;
        }
        return property["type"] switch
        {
            JsonValue v when v.TryGetValue(out string? t) => t,
            JsonArray types => types.OfType<JsonValue>().Select(t => t.TryGetValue(out string? s) ? s : null).FirstOrDefault(t => t is not null and not "null"),
            _ => property["enum"] is not null || property["const"] is not null ? null : property["anyOf"] is not null ? "any" : null,
        };
    }

    /// <summary>True when the schema declares property <paramref name="parameter"/>.</summary>
    public bool HasParameter(string parameter) => Parameters?["properties"]?[parameter] is not null;
}
