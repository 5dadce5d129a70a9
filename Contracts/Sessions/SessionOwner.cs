namespace Cluster.Contracts.Sessions;

/// <summary>
/// Who is calling a session grain: the hash of the caller's API key (never the key), or nothing when the gateway has
/// no keys configured. It travels in Orleans' <see cref="RequestContext"/>, set once per request by the gateway, so
/// that every call of the request carries it (the streaming pulls included) without each grain method taking a
/// parameter; the session grain reads it to keep a session private to the key that created it.
/// </summary>
public static class SessionOwner
{
    private const string Key = "cluster.session-owner";

    /// <summary>Marks the calls the current request makes from here on as made by <paramref name="keyHash"/>.</summary>
    public static void Set(string keyHash) => RequestContext.Set(Key, keyHash);

    /// <summary>The calling key's hash, or null for a caller without a key (a gateway with API keys off).</summary>
    public static string? Current => RequestContext.Get(Key) as string;
}
