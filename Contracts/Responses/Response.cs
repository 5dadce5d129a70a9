namespace Cluster.Contracts.Responses;

/// <summary>A Responses API <c>response</c> object.</summary>
[GenerateSerializer, Immutable, Alias("cluster.response")]
public sealed record Response
{
    public const string Completed = "completed";
    public const string Incomplete = "incomplete";
    public const string InProgress = "in_progress";
    public const string Failed = "failed";

    [Id(0)] public required string Id { get; init; }

    [Id(1)] public required long CreatedAt { get; init; }

    [Id(2)] public required string Status { get; init; }

    [Id(3)] public required string Model { get; init; }

    [Id(4)] public required ResponseItem[] Output { get; init; }

    [Id(5)] public ResponseUsage? Usage { get; init; }

    /// <summary><c>incomplete_details.reason</c>: <c>max_output_tokens</c> when the output was cut by the token budget.</summary>
    [Id(6)] public string? IncompleteReason { get; init; }

    [Id(7)] public string? PreviousResponseId { get; init; }

    [Id(8)] public required ResponseSettings Settings { get; init; }

    /// <summary>Extension, as on chat choices: the tool-call parser's report when a parser ran.</summary>
    [Id(9)] public OpenAI.ToolParseReport? ToolParse { get; init; }
}

/// <summary>The Responses API's <c>usage</c>.</summary>
[GenerateSerializer, Immutable, Alias("cluster.response-usage")]
public sealed record ResponseUsage(
    [property: Id(0)] int InputTokens,
    [property: Id(1)] int CachedTokens,
    [property: Id(2)] int OutputTokens,
    [property: Id(3)] int ReasoningTokens)
{
    public int TotalTokens => InputTokens + OutputTokens;
}
