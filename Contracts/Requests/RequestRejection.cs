namespace Cluster.Contracts.Requests;

/// <summary>
/// Why the cluster refuses a request, as the client will see it: the HTTP status, a message for a person, the
/// request field at fault (<c>messages[2].tool_call_id</c>, <c>response_format.json_schema.schema.items</c>) and an
/// optional machine-readable code. This is the only way a grain says "the request is wrong": any other exception
/// that crosses a grain boundary is the server's fault and becomes a logged 500.
/// </summary>
[GenerateSerializer, Immutable, Alias("cluster.request-rejection")]
public sealed record RequestRejection(
    [property: Id(0)] int Status,
    [property: Id(1)] string Message,
    [property: Id(2)] string? Param,
    [property: Id(3)] string? Code = null)
{
    /// <summary>400: the field <paramref name="param"/> is invalid.</summary>
    public static RequestRejection Invalid(string? param, string message) => new(400, message, param);

    /// <summary>409: a stateful session is answering another request.</summary>
    public static RequestRejection SessionBusy(string message) => new(409, message, null, "session_busy");

    /// <summary>404: the session does not exist (or is not the caller's).</summary>
    public static RequestRejection SessionNotFound(string id) => new(404, $"No session '{id}' exists.", "session_id", "session_not_found");

    /// <summary>503: the model is known but no live replica can run it now.</summary>
    public static RequestRejection ModelUnavailable(string model) =>
        new(503, $"The model '{model}' has no live replica right now; retry shortly.", "model", "model_unavailable");

    public RequestRejectedException ToException() => new(this);
}

/// <summary>Carries a <see cref="RequestRejection"/> across grain calls and streams (which can only fail by throwing).</summary>
[GenerateSerializer, Alias("cluster.request-rejected")]
public sealed class RequestRejectedException : Exception
{
    public RequestRejectedException() : this(new RequestRejection(400, "The request was refused.", null)) { }

    public RequestRejectedException(string message) : this(new RequestRejection(400, message, null)) { }

    public RequestRejectedException(string message, Exception inner) : base(message, inner) => Rejection = new RequestRejection(400, message, null);

    public RequestRejectedException(RequestRejection rejection) : base(rejection.Message) => Rejection = rejection;

    [Id(0)] public RequestRejection Rejection { get; private set; }
}
