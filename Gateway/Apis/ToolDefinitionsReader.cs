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

    /// <param name="flatFunctions">The Responses API's shape: the function's fields on the tool itself
    /// (<c>{"type":"function","name":…}</c>), strict unless told otherwise; chat nests them under <c>function</c>.</param>
    public static ChatTool[] ReadTools(JsonElement body, bool flatFunctions = false)
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
                throw RequestValidationException.Invalid($"{at}.type", $"Invalid value for '{at}.type': '{type}'. Supported values are: 'function' (this server runs no built-in tools).");
            if (flatFunctions)
            {
                result.Add(ReadFunction(tool, at, names, defaultStrict: true));
                continue;
            }
            if (!tool.TryGetProperty("function", out var function) || function.ValueKind != JsonValueKind.Object)
                throw RequestValidationException.Invalid($"{at}.function", $"Missing required parameter: '{at}.function'.");
            result.Add(ReadFunction(function, $"{at}.function", names, defaultStrict: null));
        }
        return result.ToArray();
    }

    /// <summary>
    /// A function definition (<c>name</c>, <c>description</c>, <c>parameters</c>, <c>strict</c>) at <paramref name="at"/>:
    /// chat nests it under <c>tools[i].function</c>, the Responses API puts it on <c>tools[i]</c> itself.
    /// </summary>
    /// <param name="names">The names read so far, to refuse a duplicate.</param>
    /// <param name="defaultStrict">What an absent <c>strict</c> means (the Responses API's function tools are strict unless told otherwise).</param>
    public static ChatTool ReadFunction(JsonElement function, string at, HashSet<string> names, bool? defaultStrict)
    {
        string name = RequiredString(function, "name", $"{at}.name");
        if (!FunctionName().IsMatch(name))
            throw RequestValidationException.Invalid($"{at}.name", $"Invalid '{at}.name': '{name}'. Names may contain a-z, A-Z, 0-9, underscores, dots and dashes, at most 64 characters.");
        if (!names.Add(name))
            throw RequestValidationException.Invalid($"{at}.name", $"Duplicate function name '{name}' in 'tools'; function names must be unique.");
        string? parameters = null;
        if (function.TryGetProperty("parameters", out var schema) && schema.ValueKind != JsonValueKind.Null)
        {
            ValidateSchema(schema, $"{at}.parameters");
            parameters = schema.GetRawText();
        }
        return new ChatTool
        {
            Name = name,
            Description = OptionalString(function, "description", $"{at}.description"),
            ParametersJson = parameters,
            Strict = OptionalBool(function, "strict", $"{at}.strict") ?? defaultStrict,
        };
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

    /// <param name="flatFunction">The Responses API's shape of a named function (<c>{"type":"function","name":…}</c>).</param>
    public static (string? Choice, string? Function) ReadToolChoice(JsonElement body, ChatTool[] tools, bool flatFunction = false)
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
        // Chat nests the name ({"type":"function","function":{"name":…}}); the Responses API does not ({"type":"function","name":…}).
        string name;
        string nameAt;
        if (flatFunction)
        {
            nameAt = "tool_choice.name";
            name = RequiredString(choice, "name", nameAt);
        }
        else
        {
            if (!choice.TryGetProperty("function", out var function) || function.ValueKind != JsonValueKind.Object)
                throw RequestValidationException.Invalid("tool_choice.function", "Missing required parameter: 'tool_choice.function'.");
            nameAt = "tool_choice.function.name";
            name = RequiredString(function, "name", nameAt);
        }
        if (!tools.Any(t => t.Name == name))
            throw RequestValidationException.Invalid(nameAt, $"'tool_choice' names the function '{name}', which is not among 'tools'.");
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
