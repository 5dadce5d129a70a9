using System.Text.Json;
using Cluster.Contracts.Generation;
using Cluster.Contracts.OpenAI;

namespace Cluster.Gateway.Apis;

/// <summary>
/// Reads and validates a <c>/v1/chat/completions</c> body. Every refusal names the offending field the way
/// OpenAI does (<c>messages[1].role</c>, <c>temperature</c>); unknown fields are ignored, as OpenAI does.
/// </summary>
public static class ChatCompletionRequestReader
{
    private static readonly HashSet<string> Roles = ["system", "developer", "user", "assistant", "tool"];

    /// <summary>Most choices (<c>n</c>) one request may ask for.</summary>
    public const int MaxChoices = 16;

    /// <summary>The sampling fields shared by both completion endpoints.</summary>
    internal static SamplingOptions ReadSampling(JsonElement body) => new()
    {
        Temperature = OptionalFloat(body, "temperature", 0, 2),
        TopP = OptionalFloat(body, "top_p", 0, 1, exclusiveMinimum: true),
        TopK = OptionalInt(body, "top_k", -1, int.MaxValue),
        MinP = OptionalFloat(body, "min_p", 0, 1) ?? 0f,
        Seed = OptionalLong(body, "seed") is long seed ? unchecked((ulong)seed) : null,
        PresencePenalty = OptionalFloat(body, "presence_penalty", -2, 2) ?? 0f,
        FrequencyPenalty = OptionalFloat(body, "frequency_penalty", -2, 2) ?? 0f,
        RepetitionPenalty = OptionalFloat(body, "repetition_penalty", 0, 2, exclusiveMinimum: true),
        LogitBias = ReadLogitBias(body),
    };

    private static Dictionary<int, float>? ReadLogitBias(JsonElement body)
    {
        if (!body.TryGetProperty("logit_bias", out var bias) || bias.ValueKind == JsonValueKind.Null) return null;
        if (bias.ValueKind != JsonValueKind.Object)
            throw RequestValidationException.Invalid("logit_bias", $"Invalid type for 'logit_bias': expected an object, but got {Describe(bias)}.");
        var result = new Dictionary<int, float>();
        foreach (var entry in bias.EnumerateObject())
        {
            if (!int.TryParse(entry.Name, out int token) || token < 0)
                throw RequestValidationException.Invalid("logit_bias", $"Invalid key in 'logit_bias': '{entry.Name}' is not a token id.");
            if (entry.Value.ValueKind != JsonValueKind.Number || entry.Value.GetDouble() is < -100 or > 100)
                throw RequestValidationException.Invalid("logit_bias", $"Invalid value for 'logit_bias.{entry.Name}': expected a number from -100 to 100.");
            result[token] = (float)entry.Value.GetDouble();
        }
        return result;
    }

    internal static int[] ReadIntArray(JsonElement body, string name)
    {
        if (!body.TryGetProperty(name, out var array) || array.ValueKind == JsonValueKind.Null) return [];
        if (array.ValueKind != JsonValueKind.Array || array.EnumerateArray().Any(v => v.ValueKind != JsonValueKind.Number || !v.TryGetInt32(out int i) || i < 0))
            throw RequestValidationException.Invalid(name, $"'{name}' must be an array of non-negative integers.");
        return array.EnumerateArray().Select(v => v.GetInt32()).ToArray();
    }

    public sealed record Result(ChatCompletionRequest Request, bool Stream);

    /// <param name="statefulSession">The request continues a stored session: tool messages may answer calls made in
    /// earlier requests, which the session grain checks against its history.</param>
    public static Result Read(JsonElement body, bool statefulSession = false)
    {
        if (body.ValueKind != JsonValueKind.Object)
            throw RequestValidationException.Invalid("", "The request body must be a JSON object.");
        string model = RequiredString(body, "model");
        var messages = ReadMessages(body, statefulSession);
        var sampling = ReadSampling(body);
        int? maxTokens = OptionalInt(body, "max_completion_tokens", 1, int.MaxValue) ?? OptionalInt(body, "max_tokens", 1, int.MaxValue);
        int n = OptionalInt(body, "n", 1, MaxChoices) ?? 1;
        bool logprobs = OptionalBool(body, "logprobs") ?? false;
        int? topLogprobs = OptionalInt(body, "top_logprobs", 0, 20);
        if (topLogprobs is not null && !logprobs)
            throw RequestValidationException.Invalid("top_logprobs", "'top_logprobs' requires 'logprobs' to be true.");
        var tools = ToolDefinitionsReader.ReadTools(body);
        var (toolChoice, toolChoiceFunction) = ToolDefinitionsReader.ReadToolChoice(body, tools);
        bool stream = OptionalBool(body, "stream") ?? false;
        bool includeUsage = false;
        if (body.TryGetProperty("stream_options", out var streamOptions) && streamOptions.ValueKind != JsonValueKind.Null)
        {
            if (streamOptions.ValueKind != JsonValueKind.Object)
                throw RequestValidationException.Invalid("stream_options", "'stream_options' must be an object.");
            includeUsage = OptionalBool(streamOptions, "include_usage", "stream_options.include_usage") ?? false;
        }
        return new Result(new ChatCompletionRequest
        {
            Model = model,
            Messages = messages,
            Sampling = sampling,
            MaxTokens = maxTokens,
            IncludeUsage = includeUsage,
            Stop = ReadStop(body),
            IgnoreEos = OptionalBool(body, "ignore_eos") ?? false,
            ChatTemplateKwargsJson = OptionalObjectText(body, "chat_template_kwargs"),
            AddGenerationPrompt = OptionalBool(body, "add_generation_prompt") ?? true,
            N = n,
            Logprobs = logprobs,
            TopLogprobs = topLogprobs ?? 0,
            MinTokens = OptionalInt(body, "min_tokens", 0, int.MaxValue) ?? 0,
            StopTokenIds = ReadIntArray(body, "stop_token_ids"),
            ReturnTokenIds = OptionalBool(body, "return_token_ids") ?? false,
            SkipSpecialTokens = OptionalBool(body, "skip_special_tokens") ?? true,
            Tools = tools,
            ToolChoice = toolChoice,
            ToolChoiceFunction = toolChoiceFunction,
            ParallelToolCalls = OptionalBool(body, "parallel_tool_calls") ?? true,
            OutputConstraint = OutputConstraintReader.Read(body),
        }, stream);
    }

    private static ChatMessage[] ReadMessages(JsonElement body, bool statefulSession)
    {
        if (!body.TryGetProperty("messages", out var messages) || messages.ValueKind == JsonValueKind.Null)
            throw RequestValidationException.Invalid("messages", "Missing required parameter: 'messages'.");
        if (messages.ValueKind != JsonValueKind.Array)
            throw RequestValidationException.Invalid("messages", "'messages' must be an array.");
        if (messages.GetArrayLength() == 0)
            throw RequestValidationException.Invalid("messages", "'messages' must contain at least one message.");
        var result = new List<ChatMessage>();
        var answers = new ToolCallAnswers(earlierCallsElsewhere: statefulSession);
        int i = 0;
        foreach (var m in messages.EnumerateArray())
        {
            string at = $"messages[{i}]";
            if (m.ValueKind != JsonValueKind.Object)
                throw RequestValidationException.Invalid(at, $"'{at}' must be an object.");
            string role = RequiredString(m, "role", $"{at}.role");
            if (!Roles.Contains(role))
                throw RequestValidationException.Invalid($"{at}.role", $"Invalid value for '{at}.role': '{role}'. Supported values are: 'system', 'developer', 'user', 'assistant', and 'tool'.");
            var toolCalls = role == "assistant" ? ToolDefinitionsReader.ReadHistoryToolCalls(m, at) : null;
            foreach (var call in toolCalls ?? []) answers.Called(call.Id);
            string? toolCallId = OptionalString(m, "tool_call_id", $"{at}.tool_call_id");
            if (role == "tool")
            {
                if (toolCallId is null)
                    throw RequestValidationException.Invalid($"{at}.tool_call_id", $"Missing required parameter: '{at}.tool_call_id'.");
                answers.Answered(toolCallId, $"{at}.tool_call_id");
            }
            result.Add(new ChatMessage
            {
                Role = role,
                Content = ReadContent(m, $"{at}.content"),
                Name = OptionalString(m, "name", $"{at}.name"),
                ToolCallId = toolCallId,
                ToolCalls = toolCalls,
                ReasoningContent = OptionalString(m, "reasoning_content", $"{at}.reasoning_content"),
            });
            i++;
        }
        return result.ToArray();
    }

    /// <summary>Content is a string, null, or an array of text parts (joined); other part types are refused.</summary>
    private static string? ReadContent(JsonElement message, string at)
    {
        if (!message.TryGetProperty("content", out var content) || content.ValueKind == JsonValueKind.Null) return null;
        if (content.ValueKind == JsonValueKind.String) return content.GetString();
        if (content.ValueKind != JsonValueKind.Array)
            throw RequestValidationException.Invalid(at, $"'{at}' must be a string or an array of content parts.");
        var text = new System.Text.StringBuilder();
        int i = 0;
        foreach (var part in content.EnumerateArray())
        {
            string partAt = $"{at}[{i++}]";
            if (part.ValueKind != JsonValueKind.Object || !part.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String)
                throw RequestValidationException.Invalid($"{partAt}.type", $"'{partAt}.type' is required.");
            if (type.GetString() != "text")
                throw RequestValidationException.Invalid($"{partAt}.type", $"Content part type '{type.GetString()}' is not supported by this model; only 'text' is.");
            text.Append(RequiredString(part, "text", $"{partAt}.text"));
        }
        return text.ToString();
    }

    internal static string[] ReadStop(JsonElement body)
    {
        if (!body.TryGetProperty("stop", out var stop) || stop.ValueKind == JsonValueKind.Null) return [];
        if (stop.ValueKind == JsonValueKind.String) return [stop.GetString()!];
        if (stop.ValueKind != JsonValueKind.Array || stop.EnumerateArray().Any(s => s.ValueKind != JsonValueKind.String))
            throw RequestValidationException.Invalid("stop", "'stop' must be a string or an array of strings.");
        if (stop.GetArrayLength() > 4)
            throw RequestValidationException.Invalid("stop", "'stop' may contain at most 4 sequences.");
        return stop.EnumerateArray().Select(s => s.GetString()!).ToArray();
    }

    internal static string RequiredString(JsonElement o, string name, string? param = null)
    {
        param ??= name;
        if (!o.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null)
            throw RequestValidationException.Invalid(param, $"Missing required parameter: '{param}'.");
        if (v.ValueKind != JsonValueKind.String)
            throw RequestValidationException.Invalid(param, $"Invalid type for '{param}': expected a string, but got {Describe(v)}.");
        return v.GetString()!;
    }

    internal static string? OptionalString(JsonElement o, string name, string param)
    {
        if (!o.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        if (v.ValueKind != JsonValueKind.String)
            throw RequestValidationException.Invalid(param, $"Invalid type for '{param}': expected a string, but got {Describe(v)}.");
        return v.GetString();
    }

    internal static bool? OptionalBool(JsonElement o, string name, string? param = null)
    {
        param ??= name;
        if (!o.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        if (v.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
            throw RequestValidationException.Invalid(param, $"Invalid type for '{param}': expected a boolean, but got {Describe(v)}.");
        return v.GetBoolean();
    }

    internal static float? OptionalFloat(JsonElement o, string name, double min, double max, bool exclusiveMinimum = false)
    {
        if (!o.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        if (v.ValueKind != JsonValueKind.Number)
            throw RequestValidationException.Invalid(name, $"Invalid type for '{name}': expected a number, but got {Describe(v)}.");
        double d = v.GetDouble();
        if (d < min || d > max || (exclusiveMinimum && d <= min))
            throw RequestValidationException.Invalid(name, $"Invalid '{name}': {d} is out of range; expected a value {(exclusiveMinimum ? ">" : ">=")} {min} and <= {max}.");
        return (float)d;
    }

    internal static int? OptionalInt(JsonElement o, string name, int min, int max)
    {
        if (!o.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt64(out long l))
            throw RequestValidationException.Invalid(name, $"Invalid type for '{name}': expected an integer, but got {Describe(v)}.");
        if (l < min || l > max)
            throw RequestValidationException.Invalid(name, $"Invalid '{name}': {l} is out of range; expected a value >= {min}{(max == int.MaxValue ? "" : $" and <= {max}")}.");
        return (int)l;
    }

    private static long? OptionalLong(JsonElement o, string name)
    {
        if (!o.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt64(out long l))
            throw RequestValidationException.Invalid(name, $"Invalid type for '{name}': expected an integer, but got {Describe(v)}.");
        return l;
    }

    internal static string? OptionalObjectText(JsonElement o, string name)
    {
        if (!o.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        if (v.ValueKind != JsonValueKind.Object)
            throw RequestValidationException.Invalid(name, $"Invalid type for '{name}': expected an object, but got {Describe(v)}.");
        return v.GetRawText();
    }

    internal static string Describe(JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Array => "an array",
        JsonValueKind.Object => "an object",
        _ => "null",
    };
}
