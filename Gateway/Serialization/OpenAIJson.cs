using System.Text.Json;
using System.Text.Json.Serialization;

namespace Cluster.Gateway.Serialization;

/// <summary>OpenAI's wire conventions: snake_case names, absent optional fields omitted.</summary>
public static class OpenAIJson
{
    public static JsonSerializerOptions Options { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options);
}
