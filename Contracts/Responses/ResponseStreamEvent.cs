namespace Cluster.Contracts.Responses;

/// <summary>
/// One event of a streamed response (<c>response.created</c>, <c>response.output_text.delta</c>, …), numbered by
/// <see cref="SequenceNumber"/>. A non-streamed request gets only the terminal event (<c>response.completed</c> or
/// <c>response.incomplete</c>), whose <see cref="Response"/> is the answer.
/// </summary>
[GenerateSerializer, Immutable, Alias("cluster.response-stream-event")]
public sealed record ResponseStreamEvent : Sessions.ISessionChunk
{
    [Id(0)] public required string Type { get; init; }

    [Id(1)] public int SequenceNumber { get; init; }

    /// <summary>On the lifecycle events (<c>response.created</c>, <c>.in_progress</c>, <c>.completed</c>, <c>.incomplete</c>).</summary>
    [Id(2)] public Response? Response { get; init; }

    [Id(3)] public int? OutputIndex { get; init; }

    [Id(4)] public int? ContentIndex { get; init; }

    [Id(5)] public string? ItemId { get; init; }

    /// <summary>On <c>response.output_item.added</c> / <c>.done</c>.</summary>
    [Id(6)] public ResponseItem? Item { get; init; }

    /// <summary>A text, reasoning or arguments fragment on the <c>.delta</c> events.</summary>
    [Id(7)] public string? Delta { get; init; }

    /// <summary>The whole text or arguments on the <c>.done</c> events and on <c>response.content_part.*</c> (its part's text).</summary>
    [Id(8)] public string? Text { get; init; }

    /// <summary>On <c>response.content_part.*</c>: <c>output_text</c> (a message's) or <c>reasoning_text</c>.</summary>
    [Id(10)] public string? PartType { get; init; }

    /// <inheritdoc/>
    [Id(9)] public string? Host { get; init; }

    public bool IsTerminal => Type is "response.completed" or "response.incomplete" or "response.failed";
}
