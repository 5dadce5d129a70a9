using Orleans.Concurrency;

namespace Cluster.Contracts.Security;

/// <summary>
/// The shared budget of one API key, keyed by the key's hash: every gateway process is an Orleans client of the same
/// cluster, so all of them reach this one activation and a key's limit holds across gateways. Requests are counted
/// when admitted; tokens are charged when a response's usage is known, and a key whose token budget is spent is
/// refused until it refills.
/// </summary>
[Alias("cluster.rate-limit")]
public interface IRateLimitGrain : IGrainWithStringKey
{
    /// <summary>Admits one request under <paramref name="limits"/> (counting it) or refuses it, saying why and for how long.</summary>
    [Alias("acquire")]
    Task<RateLimitDecision> AcquireAsync(RateLimits limits);

    /// <summary>Charges the tokens a finished request used (prompt plus completion). One-way: the response does not wait for it.</summary>
    [Alias("charge"), OneWay]
    Task ChargeAsync(int tokens);
}
