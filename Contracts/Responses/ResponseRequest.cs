using Cluster.Contracts.OpenAI;

namespace Cluster.Contracts.Responses;

/// <summary>
/// A validated <c>POST /v1/responses</c> body. Generation is described by <see cref="Chat"/>, the same request a chat
/// completion would make (its messages are this request's input only: the session grain puts the instructions and the
/// previous response's conversation before them), so both APIs share one set of validation and sampling rules.
/// </summary>
[GenerateSerializer, Immutable, Alias("cluster.response-request")]
public sealed record ResponseRequest
{
    /// <summary>The response's id (<c>resp_…</c>), chosen by the gateway.</summary>
    [Id(0)] public required string Id { get; init; }

    [Id(1)] public required ChatCompletionRequest Chat { get; init; }

    /// <summary>The input as items, for <c>GET /v1/responses/{id}/input_items</c>.</summary>
    [Id(2)] public required ResponseItem[] Input { get; init; }

    /// <summary>For each of <see cref="Chat"/>'s messages, the input field it came from (<c>input[2]</c>), so that a
    /// refusal the session grain decides names the client's field.</summary>
    [Id(3)] public required string[] InputFields { get; init; }

    public string? Instructions => Settings.Instructions;

    [Id(5)] public string? PreviousResponseId { get; init; }

    /// <summary>Keep the response for <c>GET</c> and <c>previous_response_id</c> (default true).</summary>
    public bool Store => Settings.Store;

    /// <summary>Send the typed event sequence; otherwise only the final response.</summary>
    [Id(7)] public bool Stream { get; init; }

    /// <summary>What the response echoes of the request.</summary>
    [Id(8)] public required ResponseSettings Settings { get; init; }
}

/// <summary>The request settings a response object repeats (OpenAI's response carries them).</summary>
[GenerateSerializer, Immutable, Alias("cluster.response-settings")]
public sealed record ResponseSettings
{
    [Id(0)] public string? Instructions { get; init; }

    [Id(1)] public int? MaxOutputTokens { get; init; }

    [Id(2)] public float? Temperature { get; init; }

    [Id(3)] public float? TopP { get; init; }

    [Id(4)] public bool ParallelToolCalls { get; init; } = true;

    /// <summary><c>none</c>, <c>auto</c> or <c>required</c>; with <see cref="ToolChoiceFunction"/> a named function.</summary>
    [Id(5)] public string ToolChoice { get; init; } = "auto";

    [Id(6)] public string? ToolChoiceFunction { get; init; }

    [Id(7)] public ChatTool[] Tools { get; init; } = [];

    /// <summary><c>text.format</c>: <c>text</c>, <c>json_object</c> or <c>json_schema</c> (with name, schema and strictness).</summary>
    [Id(8)] public string TextFormat { get; init; } = "text";

    [Id(9)] public string? TextFormatName { get; init; }

    [Id(10)] public string? TextFormatSchemaJson { get; init; }

    [Id(11)] public bool? TextFormatStrict { get; init; }

    [Id(12)] public Dictionary<string, string> Metadata { get; init; } = [];

    [Id(13)] public string? User { get; init; }

    [Id(14)] public bool Store { get; init; } = true;
}
