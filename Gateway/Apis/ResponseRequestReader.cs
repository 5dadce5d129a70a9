using System.Text;
using System.Text.Json;
using Cluster.Contracts.Generation;
using Cluster.Contracts.OpenAI;
using Cluster.Contracts.Responses;
using static Cluster.Gateway.Apis.ChatCompletionRequestReader;

namespace Cluster.Gateway.Apis;

/// <summary>
/// Reads and validates a <c>POST /v1/responses</c> body into the chat request it generates with (the same sampling,
/// tool, tool-choice, output-format and tool-result rules as <c>/v1/chat/completions</c>, read by the same code) plus
/// what only the Responses API has: input items, instructions, <c>previous_response_id</c>, <c>store</c>, metadata.
/// Refusals name the field as OpenAI does (<c>input[2].call_id</c>, <c>tools[0].type</c>).
/// </summary>
public static class ResponseRequestReader
{
    private static readonly HashSet<string> MessageRoles = ["user", "system", "developer", "assistant"];

    /// <summary>OpenAI's bounds on <c>metadata</c>.</summary>
    private const int MaxMetadataKeys = 16, MaxMetadataKeyLength = 64, MaxMetadataValueLength = 512;

    /// <summary><c>include</c> values that apply: reasoning is always returned in clear, so its encrypted form is not needed.</summary>
    private static readonly HashSet<string> Includes = ["reasoning.encrypted_content"];

    /// <param name="references">The stored items that <c>item_reference</c> inputs name (see <see cref="ReferencedItemIds"/>).</param>
    public static ResponseRequest Read(JsonElement body, IReadOnlyDictionary<string, ResponseItem>? references = null)
    {
        if (body.ValueKind != JsonValueKind.Object)
            throw RequestValidationException.Invalid("", "The request body must be a JSON object.");
        string model = RequiredString(body, "model");
        if (OptionalBool(body, "background") == true)
            throw RequestValidationException.Invalid("background", "Background responses are not supported; send the request without 'background' (stream it to see progress).");
        foreach (string unsupported in new[] { "conversation", "prompt" })
            if (body.TryGetProperty(unsupported, out var v) && v.ValueKind != JsonValueKind.Null)
                throw RequestValidationException.Invalid(unsupported, $"'{unsupported}' is not supported; use 'previous_response_id' and 'instructions'.");
        ReadIncludes(body);
        string? previous = OptionalString(body, "previous_response_id", "previous_response_id");
        if (previous is not null && !SessionId.IsValid(previous))
            throw RequestValidationException.Invalid("previous_response_id", "Invalid 'previous_response_id': it is not the id of a response.");
        string id = "resp_" + Guid.NewGuid().ToString("N");
        var (messages, fields, items) = ReadInput(body, id, continues: previous is not null, references ?? new Dictionary<string, ResponseItem>());
        var tools = ToolDefinitionsReader.ReadTools(body, flatFunctions: true);
        var (toolChoice, toolChoiceFunction) = ToolDefinitionsReader.ReadToolChoice(body, tools, flatFunction: true);
        var format = ReadTextFormat(body);
        var sampling = ReadSampling(body);
        int? maxOutputTokens = OptionalInt(body, "max_output_tokens", 1, int.MaxValue);
        bool parallel = OptionalBool(body, "parallel_tool_calls") ?? true;
        bool store = OptionalBool(body, "store") ?? true;
        string? instructions = OptionalString(body, "instructions", "instructions");
        string? user = OptionalString(body, "user", "user");
        return new ResponseRequest
        {
            Id = id,
            Chat = new ChatCompletionRequest
            {
                Model = model,
                Messages = messages,
                Sampling = sampling,
                MaxTokens = maxOutputTokens,
                Tools = tools,
                ToolChoice = toolChoice,
                ToolChoiceFunction = toolChoiceFunction,
                ParallelToolCalls = parallel,
                OutputConstraint = format.Constraint,
                // vLLM's extension, as on chat: template switches such as Qwen3's enable_thinking.
                ChatTemplateKwargsJson = OptionalObjectText(body, "chat_template_kwargs"),
            },
            Input = items,
            InputFields = fields,
            PreviousResponseId = previous,
            Stream = OptionalBool(body, "stream") ?? false,
            Settings = new ResponseSettings
            {
                Instructions = instructions,
                MaxOutputTokens = maxOutputTokens,
                Temperature = sampling.Temperature,
                TopP = sampling.TopP,
                ParallelToolCalls = parallel,
                ToolChoice = toolChoice ?? (tools.Length > 0 ? "auto" : "none"),
                ToolChoiceFunction = toolChoiceFunction,
                Tools = tools,
                TextFormat = format.Type,
                TextFormatName = format.Name,
                TextFormatSchemaJson = format.Constraint?.Kind == ConstraintKind.JsonSchema ? format.Constraint.Schema : null,
                TextFormatStrict = format.Constraint?.Kind == ConstraintKind.JsonSchema ? format.Constraint.Strict : null,
                Metadata = ReadMetadata(body),
                User = user,
                Store = store,
            },
        };
    }

    private sealed record TextFormat(string Type, string? Name, GenerationConstraint? Constraint);

    /// <summary><c>text.format</c>: <c>text</c>, <c>json_object</c>, or <c>json_schema</c> (constrained as chat's <c>response_format</c>).</summary>
    private static TextFormat ReadTextFormat(JsonElement body)
    {
        if (!body.TryGetProperty("text", out var text) || text.ValueKind == JsonValueKind.Null) return new("text", null, null);
        if (text.ValueKind != JsonValueKind.Object)
            throw RequestValidationException.Invalid("text", $"Invalid type for 'text': expected an object, but got {Describe(text)}.");
        if (!text.TryGetProperty("format", out var format) || format.ValueKind == JsonValueKind.Null) return new("text", null, null);
        if (format.ValueKind != JsonValueKind.Object)
            throw RequestValidationException.Invalid("text.format", $"Invalid type for 'text.format': expected an object, but got {Describe(format)}.");
        string type = RequiredString(format, "type", "text.format.type");
        return type switch
        {
            "text" => new("text", null, null),
            "json_object" => new("json_object", null, new GenerationConstraint { Kind = ConstraintKind.JsonObject, Source = "text.format" }),
            "json_schema" => new("json_schema", RequiredString(format, "name", "text.format.name"), OutputConstraintReader.JsonSchemaFormat(format, "text.format")),
            _ => throw RequestValidationException.Invalid("text.format.type", $"Invalid value for 'text.format.type': '{type}'. Supported values are: 'text', 'json_object', 'json_schema'."),
        };
    }

    private static void ReadIncludes(JsonElement body)
    {
        if (!body.TryGetProperty("include", out var include) || include.ValueKind == JsonValueKind.Null) return;
        if (include.ValueKind != JsonValueKind.Array)
            throw RequestValidationException.Invalid("include", $"Invalid type for 'include': expected an array, but got {Describe(include)}.");
        int i = 0;
        foreach (var value in include.EnumerateArray())
        {
            string at = $"include[{i++}]";
            if (value.ValueKind != JsonValueKind.String)
                throw RequestValidationException.Invalid(at, $"Invalid type for '{at}': expected a string, but got {Describe(value)}.");
            if (!Includes.Contains(value.GetString()!))
                throw RequestValidationException.Invalid(at, $"'{at}' is '{value.GetString()}', which this server does not return. Supported values are: {string.Join(", ", Includes.Select(v => $"'{v}'"))}.");
        }
    }

    private static Dictionary<string, string> ReadMetadata(JsonElement body)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!body.TryGetProperty("metadata", out var metadata) || metadata.ValueKind == JsonValueKind.Null) return result;
        if (metadata.ValueKind != JsonValueKind.Object)
            throw RequestValidationException.Invalid("metadata", $"Invalid type for 'metadata': expected an object, but got {Describe(metadata)}.");
        foreach (var entry in metadata.EnumerateObject())
        {
            if (result.Count == MaxMetadataKeys)
                throw RequestValidationException.Invalid("metadata", $"'metadata' may have at most {MaxMetadataKeys} keys.");
            if (entry.Name.Length > MaxMetadataKeyLength)
                throw RequestValidationException.Invalid("metadata", $"'metadata' keys are at most {MaxMetadataKeyLength} characters.");
            if (entry.Value.ValueKind != JsonValueKind.String || entry.Value.GetString()!.Length > MaxMetadataValueLength)
                throw RequestValidationException.Invalid($"metadata.{entry.Name}", $"'metadata.{entry.Name}' must be a string of at most {MaxMetadataValueLength} characters.");
            result[entry.Name] = entry.Value.GetString()!;
        }
        return result;
    }

    /// <summary>The ids of the <c>item_reference</c> items in <c>input</c>, which the caller resolves before <see cref="Read"/>.</summary>
    public static IEnumerable<string> ReferencedItemIds(JsonElement body)
    {
        if (body.ValueKind != JsonValueKind.Object || !body.TryGetProperty("input", out var input) || input.ValueKind != JsonValueKind.Array) yield break;
        foreach (var item in input.EnumerateArray())
            if (item.ValueKind == JsonValueKind.Object && item.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String
                && type.GetString() == "item_reference" && item.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String)
                yield return id.GetString()!;
    }

    /// <summary>
    /// <c>input</c>: a string (one user message) or a list of items (references resolved from <paramref name="references"/>),
    /// then turned into chat messages by <see cref="InputConversation"/>.
    /// </summary>
    /// <param name="continues">The request continues a previous response, whose calls its outputs may answer.</param>
    private static (ChatMessage[] Messages, string[] Fields, ResponseItem[] Items) ReadInput(
        JsonElement body, string responseId, bool continues, IReadOnlyDictionary<string, ResponseItem> references)
    {
        var conversation = new InputConversation(continues);
        if (!body.TryGetProperty("input", out var input) || input.ValueKind == JsonValueKind.Null)
            throw RequestValidationException.Invalid("input", "Missing required parameter: 'input'.");
        if (input.ValueKind == JsonValueKind.String)
        {
            conversation.Add(new ResponseItem { Type = ResponseItem.Message, Id = ResponseItemId.Input(responseId, ResponseItem.Message, 0), Role = "user", Text = input.GetString()!, Status = "completed" }, "input");
            return conversation.Result();
        }
        if (input.ValueKind != JsonValueKind.Array)
            throw RequestValidationException.Invalid("input", $"Invalid type for 'input': expected a string or an array of input items, but got {Describe(input)}.");
        if (input.GetArrayLength() == 0)
            throw RequestValidationException.Invalid("input", "'input' must contain at least one item.");
        int i = 0;
        foreach (var item in input.EnumerateArray())
        {
            string at = $"input[{i}]";
            conversation.Add(ReadItem(item, at, ResponseItemId.Input(responseId, ItemType(item), i), references), at);
            i++;
        }
        return conversation.Result();
    }

    private static string ItemType(JsonElement item) =>
        item.ValueKind == JsonValueKind.Object && item.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString()! : ResponseItem.Message;

    /// <summary>One input item, validated; an <c>item_reference</c> is replaced by the stored item it names.</summary>
    private static ResponseItem ReadItem(JsonElement item, string at, string newId, IReadOnlyDictionary<string, ResponseItem> references)
    {
        if (item.ValueKind != JsonValueKind.Object)
            throw RequestValidationException.Invalid(at, $"'{at}' must be an object.");
        string? type = OptionalString(item, "type", $"{at}.type");
        string id = OptionalString(item, "id", $"{at}.id") ?? newId;
        switch (type)
        {
            case null or ResponseItem.Message:
            {
                string role = RequiredString(item, "role", $"{at}.role");
                if (!MessageRoles.Contains(role))
                    throw RequestValidationException.Invalid($"{at}.role", $"Invalid value for '{at}.role': '{role}'. Supported values are: 'user', 'system', 'developer', and 'assistant'.");
                return new ResponseItem { Type = ResponseItem.Message, Id = id, Role = role, Text = ReadText(item, "content", $"{at}.content", required: true), Status = "completed" };
            }
            case ResponseItem.FunctionCall:
            {
                string arguments = RequiredString(item, "arguments", $"{at}.arguments");
                JsonInput.ValidateEmbedded(arguments, $"{at}.arguments", $"'{at}.arguments' must be a JSON string of the call's arguments.");
                return new ResponseItem
                {
                    Type = ResponseItem.FunctionCall, Id = id, CallId = RequiredString(item, "call_id", $"{at}.call_id"),
                    Name = RequiredString(item, "name", $"{at}.name"), Arguments = arguments, Status = "completed",
                };
            }
            case ResponseItem.FunctionCallOutput:
                return new ResponseItem
                {
                    Type = ResponseItem.FunctionCallOutput, Id = id, CallId = RequiredString(item, "call_id", $"{at}.call_id"),
                    Output = ReadText(item, "output", $"{at}.output", required: true), Status = "completed",
                };
            case ResponseItem.Reasoning:
                return new ResponseItem
                {
                    Type = ResponseItem.Reasoning, Id = id,
                    Text = ReadText(item, "content", $"{at}.content", required: false) ?? ReadText(item, "summary", $"{at}.summary", required: false) ?? "",
                };
            case "item_reference":
            {
                string referenced = RequiredString(item, "id", $"{at}.id");
                return references.TryGetValue(referenced, out var stored)
                    ? stored
                    : throw new RequestValidationException(404, $"Item with id '{referenced}' not found: '{at}' refers to no item of a stored response.", $"{at}.id", "item_not_found");
            }
            default:
                throw RequestValidationException.Invalid($"{at}.type", $"Input item type '{type}' is not supported; supported types are 'message', 'function_call', 'function_call_output', 'reasoning' and 'item_reference'.");
        }
    }

    /// <summary>
    /// Input items as chat messages: consecutive function calls (and the assistant message just before them) form one
    /// assistant turn, a function call output is a tool message answering an earlier call (<see cref="ToolCallAnswers"/>),
    /// and a reasoning item's text goes with the assistant turn that follows it.
    /// </summary>
    private sealed class InputConversation(bool continues)
    {
        private readonly List<ChatMessage> _messages = [];
        private readonly List<string> _fields = [];
        private readonly List<ResponseItem> _items = [];
        private readonly ToolCallAnswers _answers = new(earlierCallsElsewhere: continues);
        private string? _reasoning;

        public void Add(ResponseItem item, string at)
        {
            _items.Add(item);
            switch (item.Type)
            {
                case ResponseItem.Message:
                    _messages.Add(new ChatMessage { Role = item.Role!, Content = item.Text, ReasoningContent = item.Role == "assistant" ? TakeReasoning() : null });
                    _fields.Add(at);
                    break;
                case ResponseItem.FunctionCall:
                    _answers.Called(item.CallId!);
                    var call = new ChatToolCall(item.CallId!, item.Name!, item.Arguments!);
                    // A call joins the assistant turn just before it: the text it said, or the calls made with it.
                    if (_messages.Count > 0 && _messages[^1].Role == "assistant" && _reasoning is null)
                        _messages[^1] = _messages[^1] with { ToolCalls = [.. _messages[^1].ToolCalls ?? [], call] };
                    else
                    {
                        _messages.Add(new ChatMessage { Role = "assistant", ToolCalls = [call], ReasoningContent = TakeReasoning() });
                        _fields.Add(at);
                    }
                    break;
                case ResponseItem.FunctionCallOutput:
                    _answers.Answered(item.CallId!, $"{at}.call_id");
                    _messages.Add(new ChatMessage { Role = "tool", ToolCallId = item.CallId, Content = item.Output });
                    _fields.Add(at);
                    break;
                case ResponseItem.Reasoning:
                    _reasoning += item.Text;
                    break;
            }
        }

        public (ChatMessage[] Messages, string[] Fields, ResponseItem[] Items) Result() => (_messages.ToArray(), _fields.ToArray(), _items.ToArray());

        private string? TakeReasoning()
        {
            string? taken = _reasoning;
            _reasoning = null;
            return taken;
        }
    }

    /// <summary>A string, or a list of text parts (<c>input_text</c>, <c>output_text</c>, <c>reasoning_text</c>,
    /// <c>summary_text</c>) joined; other parts (images, files) are refused by path.</summary>
    private static string? ReadText(JsonElement item, string name, string at, bool required)
    {
        if (!item.TryGetProperty(name, out var content) || content.ValueKind == JsonValueKind.Null)
            return required ? throw RequestValidationException.Invalid(at, $"Missing required parameter: '{at}'.") : null;
        if (content.ValueKind == JsonValueKind.String) return content.GetString();
        if (content.ValueKind != JsonValueKind.Array)
            throw RequestValidationException.Invalid(at, $"Invalid type for '{at}': expected a string or an array of content parts, but got {Describe(content)}.");
        var text = new StringBuilder();
        int i = 0;
        foreach (var part in content.EnumerateArray())
        {
            string partAt = $"{at}[{i++}]";
            if (part.ValueKind != JsonValueKind.Object)
                throw RequestValidationException.Invalid(partAt, $"'{partAt}' must be an object.");
            string type = RequiredString(part, "type", $"{partAt}.type");
            if (type is not ("input_text" or "output_text" or "reasoning_text" or "summary_text"))
                throw RequestValidationException.Invalid($"{partAt}.type", $"Content part type '{type}' is not supported by this model; only text parts are.");
            text.Append(RequiredString(part, "text", $"{partAt}.text"));
        }
        return text.ToString();
    }

}
