using Cluster.Contracts.OpenAI;

namespace Cluster.Contracts.Sessions;

/// <summary>What a stateful session remembers between requests; persisted with Orleans grain storage.</summary>
[GenerateSerializer, Alias("cluster.session-state")]
public sealed class SessionState
{
    /// <summary>The model the session talks to; set by its first request.</summary>
    [Id(0)] public string? Model { get; set; }

    /// <summary>The conversation so far, in OpenAI shape, including the assistant's replies.</summary>
    [Id(1)] public List<ChatMessage> Messages { get; set; } = [];

    /// <summary>Tool calls the assistant made that no tool message has answered yet.</summary>
    [Id(2)] public List<string> PendingToolCallIds { get; set; } = [];

    /// <summary>Tool calls already answered (a second answer is refused).</summary>
    [Id(3)] public List<string> AnsweredToolCallIds { get; set; } = [];

    /// <summary>The hash of the API key that created the session (see <see cref="SessionOwner"/>); null when it was
    /// created without a key. Only the hash is stored: the key itself never leaves the gateway.</summary>
    [Id(4)] public string? Owner { get; set; }

    /// <summary>A stored Responses API response (a session keyed by the response's id holds one; see
    /// <see cref="Responses.StoredResponse"/>); <see cref="Messages"/> is then its conversation up to and including it.</summary>
    [Id(5)] public Responses.Response? Response { get; set; }

    /// <summary>The stored response's own input items.</summary>
    [Id(6)] public Responses.ResponseItem[]? ResponseInput { get; set; }
}

/// <summary>A read-only view of a session for <c>GET /v1/sessions/{id}</c>.</summary>
[GenerateSerializer, Immutable, Alias("cluster.session-snapshot")]
public sealed record SessionSnapshot(
    [property: Id(0)] string Id,
    [property: Id(1)] string? Model,
    [property: Id(2)] ChatMessage[] Messages,
    [property: Id(3)] string[] PendingToolCallIds);
