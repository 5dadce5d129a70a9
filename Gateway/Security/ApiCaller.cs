using Cluster.Contracts.OpenAI;
using Cluster.Contracts.Security;

namespace Cluster.Gateway.Security;

/// <summary>
/// The API key a request was admitted with (an <see cref="HttpContext"/> feature, set by <see cref="ApiAccess"/>; absent
/// when the gateway has no keys). A key with a token limit is charged each response's usage: prompt plus completion
/// tokens as the session reports them, once the response is complete.
/// </summary>
public sealed class ApiCaller(ApiKey key, IGrainFactory grains)
{
    public ApiKey Key => key;

    /// <summary>Whether the key has a token limit, so responses are charged their usage.</summary>
    public bool MetersTokens => key.Limits.TokensPerMinute is not null;

    public static ApiCaller? Of(HttpContext http) => http.Features.Get<ApiCaller>();

    /// <summary>Charges a finished response's tokens to the key (without waiting: the grain call is one-way).</summary>
    public void Charge(CompletionUsage? usage)
    {
        if (MetersTokens && usage is { TotalTokens: > 0 } u) _ = grains.GetGrain<IRateLimitGrain>(key.Hash).ChargeAsync(u.TotalTokens);
    }
}
