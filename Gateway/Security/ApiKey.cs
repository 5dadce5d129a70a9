using System.Security.Cryptography;
using System.Text;
using Cluster.Contracts.Security;

namespace Cluster.Gateway.Security;

/// <summary>
/// A configured API key, held only as its hash. <see cref="Hash"/> (hex) is the key's identity everywhere outside the
/// gateway's memory: the owner stored with a session, the key of its rate-limit grain. <see cref="Name"/> is what logs
/// call it: the keys file's <c>name=</c>, else <c>key-</c> and the hash's first 8 digits.
/// </summary>
public sealed class ApiKey
{
    private ApiKey(byte[] digest, string? name, RateLimits limits)
    {
        Digest = digest;
        Hash = Convert.ToHexStringLower(digest);
        Name = name ?? "key-" + Hash[..8];
        Limits = limits;
    }

    /// <summary>SHA-256 of the key, compared in constant time with the digest of a presented key.</summary>
    internal byte[] Digest { get; }

    public string Hash { get; }

    public string Name { get; }

    public RateLimits Limits { get; }

    public static ApiKey Create(string key, RateLimits limits, string? name = null) => new(DigestOf(key), name, limits);

    /// <summary>The key's SHA-256, under a prefix of this product's own so that the stored hash matches no other system's hash of the same key.</summary>
    internal static byte[] DigestOf(string key) => SHA256.HashData(Encoding.UTF8.GetBytes("llm-cluster api key\n" + key));
}
