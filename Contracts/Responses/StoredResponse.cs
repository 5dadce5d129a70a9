using Cluster.Contracts.OpenAI;

namespace Cluster.Contracts.Responses;

/// <summary>
/// A stored response as its session grain keeps it: the response object, its own input items, and the conversation
/// up to and including it (instructions excluded: they are not carried to the next response), with the function calls
/// it made that a <c>function_call_output</c> of the next response may answer.
/// </summary>
[GenerateSerializer, Immutable, Alias("cluster.stored-response")]
public sealed record StoredResponse(
    [property: Id(0)] Response Response,
    [property: Id(1)] ResponseItem[] Input,
    [property: Id(2)] ChatMessage[] Conversation,
    [property: Id(3)] string[] PendingCallIds)
{
    /// <summary>A response's session grain key: no client session id can name it (they never contain '/').</summary>
    public static string SessionKey(string responseId) => KeyPrefix + responseId;

    /// <summary>The response id a <see cref="SessionKey"/> was made from.</summary>
    public static string ResponseId(string sessionKey) => sessionKey.StartsWith(KeyPrefix, StringComparison.Ordinal) ? sessionKey[KeyPrefix.Length..] : sessionKey;

    private const string KeyPrefix = "responses/";
}
