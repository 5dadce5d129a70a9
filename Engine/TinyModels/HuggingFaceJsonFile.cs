using System.Text.Encodings.Web;
using System.Text.Json;

namespace Cluster.Engine.TinyModels;

/// <summary>Writes JSON files the way Hugging Face tools write them: indented, non-ASCII text left unescaped.</summary>
internal static class HuggingFaceJsonFile
{
    private static readonly JsonWriterOptions Options = new()
    {
        Indented = true,
        // Python's json.dump(..., ensure_ascii=False): vocabularies stay readable (Ġ, ▁, CJK) instead of \u escapes.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Writes one JSON object whose members <paramref name="members"/> writes.</summary>
    public static void Write(string path, Action<Utf8JsonWriter> members)
    {
        using var stream = File.Create(path);
        using var json = new Utf8JsonWriter(stream, Options);
        json.WriteStartObject();
        members(json);
        json.WriteEndObject();
    }
}
