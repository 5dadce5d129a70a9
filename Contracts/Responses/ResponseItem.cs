namespace Cluster.Contracts.Responses;

/// <summary>
/// An item of a Responses API conversation, input or output, in one flat shape: a <c>message</c> (role and its text),
/// a <c>function_call</c> (call id, name, arguments), a <c>function_call_output</c> (call id, output) or a
/// <c>reasoning</c> item (its text). The gateway writes each kind in OpenAI's wire shape.
/// </summary>
[GenerateSerializer, Immutable, Alias("cluster.response-item")]
public sealed record ResponseItem
{
    public const string Message = "message";
    public const string FunctionCall = "function_call";
    public const string FunctionCallOutput = "function_call_output";
    public const string Reasoning = "reasoning";

    [Id(0)] public required string Type { get; init; }

    [Id(1)] public string? Id { get; init; }

    /// <summary><c>in_progress</c>, <c>completed</c> or <c>incomplete</c>; input items are <c>completed</c>.</summary>
    [Id(2)] public string? Status { get; init; }

    /// <summary>A message's role: <c>user</c>, <c>system</c>, <c>developer</c> or <c>assistant</c>.</summary>
    [Id(3)] public string? Role { get; init; }

    /// <summary>A message's text (its text parts joined), or a reasoning item's text.</summary>
    [Id(4)] public string? Text { get; init; }

    [Id(5)] public string? CallId { get; init; }

    [Id(6)] public string? Name { get; init; }

    /// <summary>A function call's arguments, as JSON text.</summary>
    [Id(7)] public string? Arguments { get; init; }

    /// <summary>A function call output's text.</summary>
    [Id(8)] public string? Output { get; init; }
}
