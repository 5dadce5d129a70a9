using System.Text.Json;
using System.Text.RegularExpressions;
using Cluster.Contracts.OpenAI;
using static Cluster.Gateway.Apis.ChatCompletionRequestReader;

namespace Cluster.Gateway.Apis;

/// <summary>Reads and validates <c>tools</c>, <c>tool_choice</c> and the tool calls in message history.</summary>
internal static partial class ToolDefinitionsReader
{
    private static readonly HashSet<string> SchemaTypes = ["object", "array", "string", "number", "integer", "boolean", "null"];

    [GeneratedRegex("^[a-zA-Z0-9_.-]{1,64}$")]
    private static partial Regex FunctionName();

    public static ChatTool[] ReadTools(JsonElement body)
    {
        if (!body.TryGetProperty("tools", out var tools) || tools.ValueKind == JsonValueKind.Null) return [];
        if (tools.ValueKind != JsonValueKind.Array)
            throw RequestValidationException.Invalid("tools", $"Invalid type for 'tools': expected an array, but got {Describe(tools)}.");
        var result = new List<ChatTool>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        int i = 0;
        foreach (var tool in tools.EnumerateArray())
        {
            string at = $"tools[{i++}]";
            if (tool.ValueKind != JsonValueKind.Object)
                throw RequestValidationException.Invalid(at, $"'{at}' must be an object.");
            string type = RequiredString(tool, "type", $"{at}.type");
            if (type != "function")
                throw RequestValidationException.Invalid($"{at}.type", $"Invalid value for '{at}.type': '{type}'. Supported values are: 'function'.");
            if (!tool.TryGetProperty("function", out var function) || function.ValueKind != JsonValueKind.Object)
                throw RequestValidationException.Invalid($"{at}.function", $"Missing required parameter: '{at}.function'.");
            string name = RequiredString(function, "name", $"{at}.function.name");
            if (!FunctionName().IsMatch(name))
                throw RequestValidationException.Invalid($"{at}.function.name", $"Invalid '{at}.function.name': '{name}'. Names may contain a-z, A-Z, 0-9, underscores, dots and dashes, at most 64 characters.");
            if (!names.Add(name))
                throw RequestValidationException.Invalid($"{at}.function.name", $"Duplicate function name '{name}' in 'tools'; function names must be unique.");
            string? parameters = null;
            if (function.TryGetProperty("parameters", out var schema) && schema.ValueKind != JsonValueKind.Null)
            {
                ValidateSchema(schema, $"{at}.function.parameters");
                parameters = schema.GetRawText();
            }
            result.Add(new ChatTool
            {
                Name = name,
                Description = OptionalString(function, "description", $"{at}.function.description"),
                ParametersJson = parameters,
                Strict = OptionalBool(function, "strict", $"{at}.function.strict"),
            });
        }
        return result.ToArray();
    }

    /// <summary>
    /// A structural check of a JSON Schema: objects where schemas belong, known type names, well-formed
    /// <c>properties</c>/<c>required</c>/<c>items</c>. Keyword enforcement is the constrained decoder's business.
    /// </summary>
    private static void ValidateSchema(JsonElement schema, string at)
    {
        if (schema.ValueKind is JsonValueKind.True or JsonValueKind.False) return;
        if (schema.ValueKind != JsonValueKind.Object)
            throw RequestValidationException.Invalid(at, $"Invalid schema for '{at}': expected a JSON Schema object, but got {Describe(schema)}.");
        if (schema.TryGetProperty("type", out var type))
        {
            bool valid = type.ValueKind switch
            {
                JsonValueKind.String => SchemaTypes.Contains(type.GetString()!),
                JsonValueKind.Array => type.EnumerateArray().All(t => t.ValueKind == JsonValueKind.String && SchemaTypes.Contains(t.GetString()!)),
                _ => false,
            };
            if (!valid) throw RequestValidationException.Invalid($"{at}.type", $"Invalid schema for '{at}': 'type' must be one of {string.Join(", ", SchemaTypes)} (or an array of them).");
        }
        if (schema.TryGetProperty("properties", out var properties))
        {
            if (properties.ValueKind != JsonValueKind.Object)
                throw RequestValidationException.Invalid($"{at}.properties", $"Invalid schema for '{at}': 'properties' must be an object.");
            foreach (var p in properties.EnumerateObject()) ValidateSchema(p.Value, $"{at}.properties.{p.Name}");
        }
        if (schema.TryGetProperty("required", out var required)
            && (required.ValueKind != JsonValueKind.Array || required.EnumerateArray().Any(r => r.ValueKind != JsonValueKind.String)))
            throw RequestValidationException.Invalid($"{at}.required", $"Invalid schema for '{at}': 'required' must be an array of strings.");
        if (schema.TryGetProperty("items", out var items) && items.ValueKind != JsonValueKind.Array) ValidateSchema(items, $"{at}.items");
        foreach (var keyword in new[] { "anyOf", "oneOf", "allOf" })
        {
            if (!schema.TryGetProperty(keyword, out var list)) continue;
            if (list.ValueKind != JsonValueKind.Array || list.GetArrayLength() == 0)
                throw RequestValidationException.Invalid($"{at}.{keyword}", $"Invalid schema for '{at}': '{keyword}' must be a non-empty array of schemas.");
            int j = 0;
            foreach (var s in list.EnumerateArray()) ValidateSchema(s, $"{at}.{keyword}[{j++}]");
        }
    }

    public static (string? Choice, string? Function) ReadToolChoice(JsonElement body, ChatTool[] tools)
    {
        if (!body.TryGetProperty("tool_choice", out var choice) || choice.ValueKind == JsonValueKind.Null) return (null, null);
        if (choice.ValueKind == JsonValueKind.String)
        {
            string value = choice.GetString()!;
            if (value is not ("none" or "auto" or "required"))
                throw RequestValidationException.Invalid("tool_choice", $"Invalid value for 'tool_choice': '{value}'. Supported values are: 'none', 'auto', 'required', or an object naming a function.");
            if (value != "none" && tools.Length == 0)
                throw RequestValidationException.Invalid("tool_choice", $"'tool_choice' is '{value}', which is only allowed when 'tools' are specified.");
            return (value, null);
        }
        if (choice.ValueKind != JsonValueKind.Object)
            throw RequestValidationException.Invalid("tool_choice", $"Invalid type for 'tool_choice': expected a string or an object, but got {Describe(choice)}.");
        if (tools.Length == 0)
            throw RequestValidationException.Invalid("tool_choice", "'tool_choice' names a function, which is only allowed when 'tools' are specified.");
        string type = RequiredString(choice, "type", "tool_choice.type");
        if (type != "function")
            throw RequestValidationException.Invalid("tool_choice.type", $"Invalid value for 'tool_choice.type': '{type}'. Supported values are: 'function'.");
        if (!choice.TryGetProperty("function", out var function) || function.ValueKind != JsonValueKind.Object)
            throw RequestValidationException.Invalid("tool_choice.function", "Missing required parameter: 'tool_choice.function'.");
        string name = RequiredString(function, "name", "tool_choice.function.name");
        if (!tools.Any(t => t.Name == name))
            throw RequestValidationException.Invalid("tool_choice.function.name", $"'tool_choice' names the function '{name}', which is not among 'tools'.");
        return ("required", name);
    }

    public static ChatToolCall[]? ReadHistoryToolCalls(JsonElement message, string at)
    {
        if (!message.TryGetProperty("tool_calls", out var calls) || calls.ValueKind == JsonValueKind.Null) return null;
        if (calls.ValueKind != JsonValueKind.Array)
            throw RequestValidationException.Invalid($"{at}.tool_calls", $"Invalid type for '{at}.tool_calls': expected an array, but got {Describe(calls)}.");
        var result = new List<ChatToolCall>();
        int i = 0;
        foreach (var call in calls.EnumerateArray())
        {
            string callAt = $"{at}.tool_calls[{i++}]";
            if (call.ValueKind != JsonValueKind.Object)
                throw RequestValidationException.Invalid(callAt, $"'{callAt}' must be an object.");
            string id = RequiredString(call, "id", $"{callAt}.id");
            if (!call.TryGetProperty("function", out var function) || function.ValueKind != JsonValueKind.Object)
                throw RequestValidationException.Invalid($"{callAt}.function", $"Missing required parameter: '{callAt}.function'.");
            string name = RequiredString(function, "name", $"{callAt}.function.name");
            string arguments = RequiredString(function, "arguments", $"{callAt}.function.arguments");
            JsonInput.ValidateEmbedded(arguments, $"{callAt}.function.arguments", $"'{callAt}.function.arguments' must be a JSON string of the call's arguments.");
            result.Add(new ChatToolCall(id, name, arguments));
        }
        return result.ToArray();
    }
}
