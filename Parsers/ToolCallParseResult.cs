namespace Cluster.Parsers;

/// <summary>How well a model's output parsed.</summary>
public enum ParseStatus
{
    /// <summary>Everything parsed as the format defines it.</summary>
    Ok = 0,

    /// <summary>Parsed after a documented repair (for example a missing end marker at the end of generation).</summary>
    Repaired = 1,

    /// <summary>At least one call was malformed or cut off. A call that had started (its name was read) stands with
    /// the arguments read so far; a call that broke before that returned its raw text as content.</summary>
    Failed = 2,
}

/// <summary>A machine-readable parse diagnostic. <paramref name="Code"/> is stable (see <see cref="ParseErrorCodes"/>).</summary>
public sealed record ToolCallParseError(string Code, string Message);

/// <summary>A complete tool call: <paramref name="Arguments"/> is JSON text, as OpenAI's <c>function.arguments</c>.</summary>
public sealed record ParsedToolCall(string Id, string Name, string Arguments);

/// <summary>The non-streaming view of a parsed choice.</summary>
public sealed record ToolCallParseResult(
    string? Content,
    string? Reasoning,
    IReadOnlyList<ParsedToolCall> ToolCalls,
    ParseStatus Status,
    IReadOnlyList<ToolCallParseError> Errors)
{
    /// <summary>True when at least one valid call was parsed.</summary>
    public bool ToolsCalled => ToolCalls.Count > 0;
}

/// <summary>Stable error codes carried by <see cref="ToolCallParseError.Code"/>.</summary>
public static class ParseErrorCodes
{
    /// <summary>The payload is not valid for the format (bad JSON, bad literal, unexpected text).</summary>
    public const string MalformedPayload = "malformed_payload";
    /// <summary>The output ended inside a call.</summary>
    public const string Truncated = "truncated";
    /// <summary>A call has no function name.</summary>
    public const string MissingName = "missing_name";
    /// <summary>A call has no arguments.</summary>
    public const string MissingArguments = "missing_arguments";
    /// <summary>The call names a function that is not among the request's tools.</summary>
    public const string UnknownTool = "unknown_tool";
    /// <summary>The model-native call id does not have the format's shape.</summary>
    public const string InvalidId = "invalid_id";
    /// <summary>Repair: a section or call end marker was missing.</summary>
    public const string MissingEndMarker = "missing_end_marker";
    /// <summary>Repair: the whole arguments object came wrapped in one parameter (<c>arguments</c>, <c>input</c>) that the schema does not declare.</summary>
    public const string UnwrappedArguments = "unwrapped_arguments";
    /// <summary>Repair: a schema-typed value could not be converted and was kept as a string.</summary>
    public const string ValueKeptAsString = "value_kept_as_string";
}
