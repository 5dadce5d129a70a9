using System.Text.Json;
using Cluster.Contracts.Generation;
using static Cluster.Gateway.Apis.ChatCompletionRequestReader;

namespace Cluster.Gateway.Apis;

/// <summary>
/// Reads the structured-output fields both completion endpoints accept: OpenAI's <c>response_format</c>
/// (<c>text</c>, <c>json_object</c>, <c>json_schema</c>) and vLLM's <c>structured_outputs</c> (<c>json</c>,
/// <c>regex</c>, <c>choice</c>, <c>json_object</c>) with its older <c>guided_json</c>/<c>guided_regex</c>/<c>guided_choice</c>
/// spellings. Two constraints on one output are a conflict (400).
/// </summary>
internal static class OutputConstraintReader
{
    public static GenerationConstraint? Read(JsonElement body)
    {
        var found = new List<GenerationConstraint>();
        if (body.TryGetProperty("response_format", out var format) && format.ValueKind != JsonValueKind.Null)
            if (ResponseFormat(format) is { } c) found.Add(c);
        if (body.TryGetProperty("structured_outputs", out var structured) && structured.ValueKind != JsonValueKind.Null)
        {
            if (structured.ValueKind != JsonValueKind.Object)
                throw RequestValidationException.Invalid("structured_outputs", "'structured_outputs' must be an object.");
            foreach (var p in structured.EnumerateObject())
                if (Structured(p.Name, p.Value, $"structured_outputs.{p.Name}") is { } c) found.Add(c);
        }
        foreach (var (legacy, key) in new[] { ("guided_json", "json"), ("guided_regex", "regex"), ("guided_choice", "choice") })
            if (body.TryGetProperty(legacy, out var value) && value.ValueKind != JsonValueKind.Null)
                found.Add(Structured(key, value, legacy)!);
        if (found.Count > 1)
            throw RequestValidationException.Invalid(found[1].Source, $"Conflicting output constraints: '{found[0].Source}' and '{found[1].Source}' cannot both apply; give one.");
        return found.Count == 1 ? found[0] : null;
    }

    private static GenerationConstraint? ResponseFormat(JsonElement format)
    {
        if (format.ValueKind != JsonValueKind.Object)
            throw RequestValidationException.Invalid("response_format", "'response_format' must be an object.");
        string type = RequiredString(format, "type", "response_format.type");
        switch (type)
        {
            case "text":
                return null;
            case "json_object":
                return new GenerationConstraint { Kind = ConstraintKind.JsonObject, Source = "response_format" };
            case "json_schema":
                if (!format.TryGetProperty("json_schema", out var js) || js.ValueKind != JsonValueKind.Object)
                    throw RequestValidationException.Invalid("response_format.json_schema", "Missing required parameter: 'response_format.json_schema'.");
                return JsonSchemaFormat(js, "response_format.json_schema");
            default:
                throw RequestValidationException.Invalid("response_format.type", $"Invalid value for 'response_format.type': '{type}'. Supported values are: 'text', 'json_object', 'json_schema'.");
        }
    }

    /// <summary>
    /// A named JSON Schema output format (<c>name</c>, <c>schema</c>, <c>strict</c>) at <paramref name="at"/>: chat's
    /// <c>response_format.json_schema</c>, or the Responses API's <c>text.format</c>.
    /// </summary>
    public static GenerationConstraint JsonSchemaFormat(JsonElement format, string at)
    {
        RequiredString(format, "name", $"{at}.name");
        if (!format.TryGetProperty("schema", out var schema) || schema.ValueKind is not (JsonValueKind.Object or JsonValueKind.True))
            throw RequestValidationException.Invalid($"{at}.schema", $"'{at}.schema' must be a JSON Schema object.");
        return new GenerationConstraint
        {
            Kind = ConstraintKind.JsonSchema,
            Schema = schema.GetRawText(),
            Strict = OptionalBool(format, "strict", $"{at}.strict") ?? false,
            Source = $"{at}.schema",
        };
    }

    private static GenerationConstraint? Structured(string key, JsonElement value, string source)
    {
        switch (key)
        {
            case "json":
                string schema = value.ValueKind switch
                {
                    JsonValueKind.Object or JsonValueKind.True => value.GetRawText(),
                    JsonValueKind.String => value.GetString()!,
                    _ => throw RequestValidationException.Invalid(source, $"'{source}' must be a JSON Schema (an object or its JSON text)."),
                };
                if (value.ValueKind == JsonValueKind.String) JsonInput.ValidateEmbedded(schema, source, $"'{source}' is not valid JSON.");
                return new GenerationConstraint { Kind = ConstraintKind.JsonSchema, Schema = schema, Strict = true, Source = source };
            case "regex":
                if (value.ValueKind != JsonValueKind.String || value.GetString()!.Length == 0)
                    throw RequestValidationException.Invalid(source, $"'{source}' must be a non-empty string.");
                return new GenerationConstraint { Kind = ConstraintKind.Regex, Pattern = value.GetString(), Source = source };
            case "choice":
                if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() == 0 || value.EnumerateArray().Any(v => v.ValueKind != JsonValueKind.String))
                    throw RequestValidationException.Invalid(source, $"'{source}' must be a non-empty array of strings.");
                return new GenerationConstraint { Kind = ConstraintKind.Choice, Choices = value.EnumerateArray().Select(v => v.GetString()!).ToArray(), Source = source };
            case "json_object":
                return value.ValueKind == JsonValueKind.True ? new GenerationConstraint { Kind = ConstraintKind.JsonObject, Source = source } : null;
            case "disable_any_whitespace" or "disable_fallback" or "disable_additional_properties" or "whitespace_pattern":
                return null; // tuning knobs of other engines; ours has its own bounded-whitespace rule
            default:
                throw RequestValidationException.Invalid(source, $"'{source}' is not supported; use json, regex, choice or json_object.");
        }
    }
}
