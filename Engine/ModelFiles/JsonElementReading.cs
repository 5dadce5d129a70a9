using System.Text.Json;

namespace Cluster.Engine.ModelFiles;

/// <summary>
/// Tolerant typed reads of optional Hugging Face JSON fields: real files write numbers as ints or floats, lists or
/// scalars, and <c>null</c> for "not set", so every read treats a missing or null field the same way.
/// </summary>
internal static class JsonElementReading
{
    public static JsonElement? Field(this JsonElement obj, string name) =>
        obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null
            ? value
            : null;

    public static string? String(this JsonElement obj, string name) =>
        obj.Field(name) is { ValueKind: JsonValueKind.String } v ? v.GetString() : null;

    public static int? Int(this JsonElement obj, string name) =>
        obj.Field(name) is { ValueKind: JsonValueKind.Number } v ? (int)v.GetDouble() : null;

    public static double? Double(this JsonElement obj, string name) =>
        obj.Field(name) is { ValueKind: JsonValueKind.Number } v ? v.GetDouble() : null;

    public static bool? Bool(this JsonElement obj, string name) =>
        obj.Field(name) is { ValueKind: JsonValueKind.True or JsonValueKind.False } v ? v.GetBoolean() : null;

    /// <summary>An id field that may be one integer or a list of integers (as <c>eos_token_id</c> is).</summary>
    public static IReadOnlyList<int> IntOrIntList(this JsonElement obj, string name)
    {
        switch (obj.Field(name))
        {
            case { ValueKind: JsonValueKind.Number } single:
                return [(int)single.GetDouble()];
            case { ValueKind: JsonValueKind.Array } list:
                var ids = new List<int>(list.GetArrayLength());
                foreach (var item in list.EnumerateArray())
                {
                    if (item.ValueKind == JsonValueKind.Number)
                    {
                        ids.Add((int)item.GetDouble());
                    }
                }
                return ids;
            default:
                return [];
        }
    }

    public static JsonDocument ParseFile(string path)
    {
        using var stream = File.OpenRead(path);
        return JsonDocument.Parse(stream, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
    }
}
