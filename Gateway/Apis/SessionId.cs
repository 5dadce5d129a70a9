using Cluster.Contracts.Sessions;

namespace Cluster.Gateway.Apis;

/// <summary>
/// The one rule for a client-chosen session id, applied alike to the <c>X-Session-Id</c> header of
/// <c>POST /v1/chat/completions</c> and <c>/v1/completions</c> and to the <c>{id}</c> of <c>GET</c>/<c>DELETE
/// /v1/sessions/{id}</c>, so that every id a chat request can store can be read and deleted: 1 to
/// <see cref="MaxLength"/> characters from <c>A-Z a-z 0-9 . _ : -</c> (safe unescaped in a URL path segment; a UUID
/// fits). Ids the gateway makes for stateless requests contain <c>/</c> (<see cref="ISessionGrain.EphemeralPrefix"/>),
/// so no client id can name one.
/// </summary>
public static class SessionId
{
    /// <summary>Header a client sets to keep a conversation's state across requests.</summary>
    public const string Header = "X-Session-Id";

    /// <summary>Longest session id, in characters.</summary>
    public const int MaxLength = 256;

    /// <summary>Whether <paramref name="id"/> is a session id a client may use.</summary>
    public static bool IsValid(string? id) => id is { Length: > 0 and <= MaxLength } && id.All(IsAllowed);

    /// <summary>Returns <paramref name="id"/> when valid, or refuses the request with a 400 naming <paramref name="param"/>.</summary>
    public static string Require(string? id, string param) => IsValid(id)
        ? id!
        : throw RequestValidationException.Invalid(param, $"Invalid '{param}': a session id is 1 to {MaxLength} characters from A-Z, a-z, 0-9, '.', '_', ':' and '-'.");

    /// <summary>
    /// The <c>X-Session-Id</c> header's session, or a fresh ephemeral one when the header is absent; a header that is
    /// present must be sent once and hold a valid id (an empty one is refused, not taken for "no session").
    /// </summary>
    public static string FromHeader(HttpContext http)
    {
        if (!http.Request.Headers.TryGetValue(Header, out var values)) return NewEphemeral();
        if (values.Count != 1)
            throw RequestValidationException.Invalid(Header, $"Invalid '{Header}': send the header once.");
        return Require(values[0], Header);
    }

    private static bool IsAllowed(char c) => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or ':' or '-';

    /// <summary>A fresh id for a stateless request's single-use session.</summary>
    public static string NewEphemeral() => ISessionGrain.EphemeralPrefix + Guid.NewGuid().ToString("N");

    public static bool IsEphemeral(string id) => id.StartsWith(ISessionGrain.EphemeralPrefix, StringComparison.Ordinal);
}
