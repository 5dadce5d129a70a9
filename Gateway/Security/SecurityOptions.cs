using Cluster.Contracts.Security;

namespace Cluster.Gateway.Security;

/// <summary>Who may call the gateway and how much: API keys, per-key rate limits, CORS.</summary>
public sealed record SecurityOptions
{
    /// <summary>Keys given directly (<c>--api-key</c>, <c>CLUSTER_API_KEY</c>, <c>VLLM_API_KEY</c>).</summary>
    public IReadOnlyList<string> ApiKeys { get; init; } = [];

    /// <summary><c>--api-keys-file</c>: keys (with optional per-key limits) re-read when the file changes; see <see cref="ApiKeysFile"/>.</summary>
    public string? ApiKeysFile { get; init; }

    /// <summary>How often the keys file is checked for changes.</summary>
    public TimeSpan ApiKeysFilePollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary><c>--rate-limit-rpm</c>, <c>--rate-limit-tpm</c>: the limits of every key that sets none of its own.</summary>
    public RateLimits DefaultLimits { get; init; } = RateLimits.None;

    /// <summary><c>--protect-metrics</c>: <c>/metrics</c> needs a key too (<c>/health</c> never does).</summary>
    public bool ProtectMetrics { get; init; }

    /// <summary>CORS; null (the default) answers no cross-origin request.</summary>
    public CorsSettings? Cors { get; init; }

    /// <summary>Whether requests need a key: some key source is configured (an empty keys file then admits nobody).</summary>
    public bool RequiresKeys => ApiKeys.Count > 0 || ApiKeysFile is not null;
}
