using System.Text.Json;
using System.Text.Json.Nodes;
using Cluster.Constraints;
using Cluster.Contracts.OpenAI;
using Cluster.Parsers.Specs;

namespace Cluster.Grains.Constraints;

/// <summary>
/// Derives the grammar of tool calls in a model's native format from the same <see cref="ToolCallFormatSpec"/>
/// its parser reads, so what constrained decoding writes is exactly what the parser expects: markers, payload
/// layout, field names and separators all come from the one spec (spacing around markers from its example).
/// Formats whose payload cannot be derived (pythonic literals, bespoke syntaxes) return null; callers fall back
/// to the generic JSON-array format.
/// </summary>
public static class ToolCallGrammar
{
    /// <summary>Whether calls of this format can be generated under constraint (otherwise use the JSON-array fallback).</summary>
    public static bool IsDerivable(ToolCallFormatSpec spec) => (spec.Call.List?.Item ?? spec.Payload) is var p && p.Kind switch
    {
        PayloadKinds.JsonObject => !p.NameKeyed,
        PayloadKinds.NameThenJson => true,
        PayloadKinds.TaggedParameters => p.FunctionStart is not null && p.ParameterStart is not null,
        _ => false,
    };

    /// <summary>The grammar for between <paramref name="minCalls"/> and <paramref name="maxCalls"/> calls, or null.</summary>
    public static Grammar? TryBuild(ToolCallFormatSpec spec, IReadOnlyList<ChatTool> tools, int minCalls, int? maxCalls, JsonSchemaOptions options)
    {
        var section = PrimarySection(spec);
        var item = spec.Call.List?.Item ?? spec.Payload;
        var payloads = new List<Grammar>();
        foreach (var tool in tools)
        {
            var payload = Payload(spec, item, tool, options);
            if (payload is null) return null;
            payloads.Add(payload);
        }
        var oneCall = Grammar.Alternatives([.. payloads]);
        if (spec.Call.Start is { } callStart) oneCall = Grammar.Sequence(Grammar.Marker(callStart), oneCall, spec.Call.End is { } callEnd ? Grammar.Marker(callEnd) : Grammar.Empty);

        string example = spec.Example ?? "";
        var afterStart = section.StartIsPayload ? Grammar.Empty : Grammar.Sequence(Grammar.Marker(section.Start), Newline(example, section.Start, after: true));
        var beforeEnd = section.End is { } end ? Grammar.Sequence(Newline(example, end, after: false), Grammar.Marker(end)) : Grammar.Empty;

        if (spec.Call.List is { } list)
        {
            var calls = Grammar.Repeat(oneCall, minCalls, maxCalls, Grammar.Literal(list.Separator + " "));
            var listed = Grammar.Sequence(Grammar.Literal(list.Open.ToString()), calls, Grammar.Literal(list.Close.ToString()));
            return Grammar.Sequence(afterStart, listed, beforeEnd);
        }
        bool callPerSection = section.MaxCalls == 1 || (section.End is not null && spec.Call.Start is null);
        if (callPerSection)
            return Grammar.Repeat(Grammar.Sequence(afterStart, oneCall, beforeEnd), minCalls, maxCalls, SectionSeparator(spec));
        var separator = spec.Call.Separators.Length > 0 ? Grammar.Literal(spec.Call.Separators[0] + " ") : Grammar.Empty;
        return Grammar.Sequence(afterStart, Grammar.Repeat(oneCall, minCalls, maxCalls, separator), beforeEnd);
    }

    /// <summary>The section whose start marker the spec's example uses first (the form models of the family write).</summary>
    private static SectionSpec PrimarySection(ToolCallFormatSpec spec)
    {
        string example = spec.Example ?? "";
        return spec.Sections.OrderBy(s => example.IndexOf(s.Start, StringComparison.Ordinal) is int i and >= 0 ? i : int.MaxValue).First();
    }

    private static Grammar? Payload(ToolCallFormatSpec spec, PayloadSpec payload, ChatTool tool, JsonSchemaOptions options)
    {
        var arguments = Grammar.JsonSchema(Schema(tool), options);
        switch (payload.Kind)
        {
            case PayloadKinds.JsonObject when !payload.NameKeyed:
            {
                string nameField = Preferred(payload.NameFields, spec.Example);
                string argumentsField = Preferred(payload.ArgumentsFields, spec.Example);
                return Grammar.Sequence(
                    Grammar.Literal($"{{\"{nameField}\": {JsonSerializer.Serialize(tool.Name)}, \"{argumentsField}\": "),
                    arguments,
                    Grammar.Literal("}"));
            }
            case PayloadKinds.NameThenJson:
            {
                Grammar name = payload.NameFromIdPrefix is { } idPrefix
                    ? Grammar.Sequence(Grammar.Literal(idPrefix + tool.Name + ":"), Grammar.Regex("[0-9]{1,2}"))
                    : Grammar.Literal((payload.NamePrefix ?? "") + tool.Name);
                Grammar beforeArguments = payload.ArgumentsMarker is { } marker ? Grammar.Marker(marker)
                    : payload.NameTerminators is [var terminator, ..] ? Grammar.Marker(terminator)
                    : Grammar.Empty;
                return Grammar.Sequence(name, beforeArguments, arguments);
            }
            case PayloadKinds.TaggedParameters:
                return TaggedParameters(payload, tool, options);
            default:
                return null;
        }
    }

    /// <summary>XML-style parameters (Qwen3-Coder): each property as a tagged raw-text value typed by its schema.</summary>
    private static Grammar? TaggedParameters(PayloadSpec payload, ChatTool tool, JsonSchemaOptions options)
    {
        if (payload.FunctionStart is null || payload.ParameterStart is null || payload.ParameterNameEnd is null || payload.ParameterEnd is null) return null;
        var schema = Schema(tool);
        var properties = schema["properties"] as JsonObject ?? [];
        var required = (schema["required"] as JsonArray)?.Select(r => r?.GetValue<string>()).ToHashSet() ?? [];
        string newline = payload.StringTrim == "none" ? "" : "\n";
        var parts = new List<Grammar>
        {
            Grammar.Marker(payload.FunctionStart),
            Grammar.Literal(tool.Name),
            Grammar.Literal((payload.NameTerminators.FirstOrDefault() ?? ">") + "\n"),
        };
        foreach (var (key, propertySchema) in properties)
        {
            var value = RawValue(propertySchema as JsonObject ?? [], payload.ParameterEnd, options);
            if (value is null) return null;
            var parameter = Grammar.Sequence(
                Grammar.Marker(payload.ParameterStart), Grammar.Literal(key + payload.ParameterNameEnd + newline),
                value, Grammar.Literal(newline), Grammar.Marker(payload.ParameterEnd), Grammar.Literal("\n"));
            parts.Add(required.Contains(key) ? parameter : Grammar.Optional(parameter));
        }
        if (payload.FunctionEnd is { } functionEnd) parts.Add(Grammar.Marker(functionEnd));
        return Grammar.Sequence([.. parts]);
    }

    /// <summary>
    /// A parameter's raw text by its schema type: numbers, booleans and enums exactly; objects and arrays as JSON;
    /// strings as text without '&lt;' or newlines (so the closing tag cannot be mistaken), within maxLength (64 by default).
    /// </summary>
    private static Grammar? RawValue(JsonObject schema, string parameterEnd, JsonSchemaOptions options)
    {
        if (schema["enum"] is JsonArray values && values.All(v => v is JsonValue))
            return Grammar.Choice(values.Select(v => v!.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : v.ToJsonString()));
        string? type = schema["type"] is JsonValue t && t.GetValueKind() == JsonValueKind.String ? t.GetValue<string>() : null;
        switch (type)
        {
            case "integer": return Grammar.Regex("-?(0|[1-9][0-9]{0,15})");
            case "number": return Grammar.Regex("-?(0|[1-9][0-9]{0,15})(\\.[0-9]{1,8})?");
            case "boolean": return Grammar.Choice(["true", "false"]);
            case "object" or "array": return Grammar.JsonSchema(schema, options);
            case "string" or null:
                if (schema["pattern"] is JsonValue p) return Grammar.Regex(p.GetValue<string>());
                int min = schema["minLength"] is JsonValue mn ? mn.GetValue<int>() : 1;
                int max = schema["maxLength"] is JsonValue mx ? mx.GetValue<int>() : Math.Max(64, min);
                return Grammar.Regex($"[^<\\n]{{{min},{max}}}");
            default: return null;
        }
    }

    private static JsonObject Schema(ChatTool tool) =>
        tool.ParametersJson is { } json && JsonNode.Parse(json) is JsonObject o ? o : new JsonObject { ["type"] = "object", ["properties"] = new JsonObject() };

    private static string Preferred(string[] fields, string? example)
    {
        foreach (var field in fields)
            if (example?.Contains($"\"{field}\"", StringComparison.Ordinal) == true) return field;
        return fields[0];
    }

    /// <summary>A newline after a start marker (or before an end marker) when the spec's example writes one.</summary>
    private static Grammar Newline(string example, string marker, bool after) =>
        example.Contains(after ? marker + "\n" : "\n" + marker, StringComparison.Ordinal) ? Grammar.Literal("\n") : Grammar.Empty;

    private static Grammar? SectionSeparator(ToolCallFormatSpec spec) =>
        spec.Sections[0].End is { } end && spec.Example?.Contains(end + "\n", StringComparison.Ordinal) == true ? Grammar.Literal("\n") : null;
}
