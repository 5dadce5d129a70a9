using System.Buffers;
using System.Text.Json;
using Cluster.Contracts.Responses;

namespace Cluster.Gateway.Serialization;

/// <summary>
/// The Responses API's wire shapes: the <c>response</c> object, its items, the streamed events and the input-item list.
/// Written field by field because the shapes are fixed by OpenAI (fields that are null are sent as null, not omitted,
/// and an item's shape depends on its type), which a general serializer configuration would not express.
/// </summary>
public static class ResponsesJson
{
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Serialize(Response response) => Write(w => WriteResponse(w, response));

    public static string Serialize(ResponseStreamEvent e) => Write(w => WriteEvent(w, e));

    /// <summary>The <c>error</c> event that ends a stream that failed after it started.</summary>
    public static string ErrorEvent(int sequenceNumber, string? code, string message, string? param) => Write(w =>
    {
        w.WriteStartObject();
        w.WriteString("type", "error");
        w.WriteNumber("sequence_number", sequenceNumber);
        w.WriteString("code", code);
        w.WriteString("message", message);
        w.WriteString("param", param);
        w.WriteEndObject();
    });

    /// <summary><c>GET /v1/responses/{id}/input_items</c>: a page of <paramref name="items"/>.</summary>
    public static string InputItems(IReadOnlyList<ResponseItem> items, bool hasMore) => Write(w =>
    {
        w.WriteStartObject();
        w.WriteString("object", "list");
        w.WriteStartArray("data");
        foreach (var item in items) WriteItem(w, item);
        w.WriteEndArray();
        w.WriteString("first_id", items.Count > 0 ? items[0].Id : null);
        w.WriteString("last_id", items.Count > 0 ? items[^1].Id : null);
        w.WriteBoolean("has_more", hasMore);
        w.WriteEndObject();
    });

    public static string Deleted(string id) => Write(w =>
    {
        w.WriteStartObject();
        w.WriteString("id", id);
        w.WriteString("object", "response");
        w.WriteBoolean("deleted", true);
        w.WriteEndObject();
    });

    private static string Write(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer, WriterOptions)) write(w);
        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void WriteResponse(Utf8JsonWriter w, Response r)
    {
        var s = r.Settings;
        w.WriteStartObject();
        w.WriteString("id", r.Id);
        w.WriteString("object", "response");
        w.WriteNumber("created_at", r.CreatedAt);
        w.WriteString("status", r.Status);
        w.WriteBoolean("background", false);
        w.WriteNull("error");
        if (r.IncompleteReason is { } reason)
        {
            w.WriteStartObject("incomplete_details");
            w.WriteString("reason", reason);
            w.WriteEndObject();
        }
        else w.WriteNull("incomplete_details");
        w.WriteString("instructions", s.Instructions);
        WriteNumber(w, "max_output_tokens", s.MaxOutputTokens);
        w.WriteString("model", r.Model);
        w.WriteStartArray("output");
        foreach (var item in r.Output) WriteItem(w, item);
        w.WriteEndArray();
        w.WriteBoolean("parallel_tool_calls", s.ParallelToolCalls);
        w.WriteString("previous_response_id", r.PreviousResponseId);
        w.WriteStartObject("reasoning");
        w.WriteNull("effort");
        w.WriteNull("summary");
        w.WriteEndObject();
        w.WriteBoolean("store", s.Store);
        WriteNumber(w, "temperature", s.Temperature);
        w.WriteStartObject("text");
        w.WriteStartObject("format");
        w.WriteString("type", s.TextFormat);
        if (s.TextFormat == "json_schema")
        {
            w.WriteString("name", s.TextFormatName);
            w.WritePropertyName("schema");
            w.WriteRawValue(s.TextFormatSchemaJson ?? "{}");
            if (s.TextFormatStrict is bool strict) w.WriteBoolean("strict", strict);
        }
        w.WriteEndObject();
        w.WriteEndObject();
        if (s.ToolChoiceFunction is { } function)
        {
            w.WriteStartObject("tool_choice");
            w.WriteString("type", "function");
            w.WriteString("name", function);
            w.WriteEndObject();
        }
        else w.WriteString("tool_choice", s.ToolChoice);
        w.WriteStartArray("tools");
        foreach (var tool in s.Tools)
        {
            w.WriteStartObject();
            w.WriteString("type", "function");
            w.WriteString("name", tool.Name);
            w.WriteString("description", tool.Description);
            w.WritePropertyName("parameters");
            if (tool.ParametersJson is { } parameters) w.WriteRawValue(parameters);
            else w.WriteNullValue();
            w.WriteBoolean("strict", tool.Strict ?? false);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        WriteNumber(w, "top_p", s.TopP);
        w.WriteString("truncation", "disabled");
        if (r.Usage is { } u)
        {
            w.WriteStartObject("usage");
            w.WriteNumber("input_tokens", u.InputTokens);
            w.WriteStartObject("input_tokens_details");
            w.WriteNumber("cached_tokens", u.CachedTokens);
            w.WriteEndObject();
            w.WriteNumber("output_tokens", u.OutputTokens);
            w.WriteStartObject("output_tokens_details");
            w.WriteNumber("reasoning_tokens", u.ReasoningTokens);
            w.WriteEndObject();
            w.WriteNumber("total_tokens", u.TotalTokens);
            w.WriteEndObject();
        }
        else w.WriteNull("usage");
        w.WriteString("user", s.User);
        w.WriteStartObject("metadata");
        foreach (var (key, value) in s.Metadata) w.WriteString(key, value);
        w.WriteEndObject();
        if (r.ToolParse is { } parse)
        {
            w.WritePropertyName("tool_parse");
            JsonSerializer.Serialize(w, parse, OpenAIJson.Options);
        }
        w.WriteEndObject();
    }

    private static void WriteNumber(Utf8JsonWriter w, string name, double? value)
    {
        if (value is double d) w.WriteNumber(name, Math.Round(d, 6));
        else w.WriteNull(name);
    }

    private static void WriteItem(Utf8JsonWriter w, ResponseItem item)
    {
        w.WriteStartObject();
        w.WriteString("id", item.Id);
        w.WriteString("type", item.Type);
        switch (item.Type)
        {
            case ResponseItem.Message:
                w.WriteString("status", item.Status ?? Response.Completed);
                w.WriteString("role", item.Role);
                w.WriteStartArray("content");
                if (item.Text is { } text) WritePart(w, item.Role == "assistant" ? "output_text" : "input_text", text);
                w.WriteEndArray();
                break;
            case ResponseItem.FunctionCall:
                w.WriteString("status", item.Status ?? Response.Completed);
                w.WriteString("call_id", item.CallId);
                w.WriteString("name", item.Name);
                w.WriteString("arguments", item.Arguments);
                break;
            case ResponseItem.FunctionCallOutput:
                w.WriteString("status", item.Status ?? Response.Completed);
                w.WriteString("call_id", item.CallId);
                w.WriteString("output", item.Output);
                break;
            case ResponseItem.Reasoning:
                w.WriteStartArray("summary");
                w.WriteEndArray();
                w.WriteStartArray("content");
                if (item.Text is { } reasoning) WritePart(w, "reasoning_text", reasoning);
                w.WriteEndArray();
                w.WriteNull("encrypted_content");
                if (item.Status is { } status) w.WriteString("status", status);
                break;
        }
        w.WriteEndObject();
    }

    private static void WritePart(Utf8JsonWriter w, string type, string text)
    {
        w.WriteStartObject();
        w.WriteString("type", type);
        w.WriteString("text", text);
        if (type == "output_text")
        {
            w.WriteStartArray("annotations");
            w.WriteEndArray();
            w.WriteStartArray("logprobs");
            w.WriteEndArray();
        }
        w.WriteEndObject();
    }

    private static void WriteEvent(Utf8JsonWriter w, ResponseStreamEvent e)
    {
        w.WriteStartObject();
        w.WriteString("type", e.Type);
        w.WriteNumber("sequence_number", e.SequenceNumber);
        if (e.Response is { } response)
        {
            w.WritePropertyName("response");
            WriteResponse(w, response);
        }
        if (e.ItemId is { } itemId) w.WriteString("item_id", itemId);
        if (e.OutputIndex is int outputIndex) w.WriteNumber("output_index", outputIndex);
        if (e.ContentIndex is int contentIndex) w.WriteNumber("content_index", contentIndex);
        switch (e.Type)
        {
            case "response.output_item.added" or "response.output_item.done":
                w.WritePropertyName("item");
                WriteItem(w, e.Item!);
                break;
            case "response.content_part.added" or "response.content_part.done":
                w.WritePropertyName("part");
                WritePart(w, e.PartType ?? "output_text", e.Text ?? "");
                break;
            case "response.output_text.delta":
                w.WriteString("delta", e.Delta);
                w.WriteStartArray("logprobs");
                w.WriteEndArray();
                break;
            case "response.output_text.done":
                w.WriteString("text", e.Text);
                w.WriteStartArray("logprobs");
                w.WriteEndArray();
                break;
            case "response.function_call_arguments.delta" or "response.reasoning_text.delta":
                w.WriteString("delta", e.Delta);
                break;
            case "response.function_call_arguments.done":
                w.WriteString("name", e.Item?.Name);
                w.WriteString("arguments", e.Text);
                break;
            case "response.reasoning_text.done":
                w.WriteString("text", e.Text);
                break;
        }
        w.WriteEndObject();
    }
}
