using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Primitives;

namespace Cluster.Gateway.Security;

/// <summary>
/// The keys the gateway accepts now: those given directly plus the keys file's latest good content (swapped in whole
/// by <see cref="ApiKeysFileWatcher"/>, so a check sees one set or the other, never a mix). A presented key is hashed
/// and compared with every configured hash in constant time, so neither the key nor which entry matched shows in the
/// answer's timing.
/// </summary>
public sealed class ApiKeys
{
    private readonly IReadOnlyList<ApiKey> _direct;
    private volatile IReadOnlyList<ApiKey> _all;

    public ApiKeys(SecurityOptions options)
    {
        RequiresKeys = options.RequiresKeys;
        _direct = options.ApiKeys.Distinct(StringComparer.Ordinal).Select(k => ApiKey.Create(k, options.DefaultLimits)).ToArray();
        _all = _direct;
        if (options.ApiKeysFile is { } file)
        {
            var content = ApiKeysFile.Read(file, options.DefaultLimits);
            if (content.Error is { } error) throw new InvalidOperationException($"API keys file {file}: {error}");
            UseFileKeys(content.Keys);
        }
    }

    /// <summary>Whether requests need a key at all.</summary>
    public bool RequiresKeys { get; }

    public int Count => _all.Count;

    /// <summary>Replaces the keys file's keys (the directly given keys stay).</summary>
    internal void UseFileKeys(IReadOnlyList<ApiKey> fileKeys) => _all = [.. _direct, .. fileKeys];

    /// <summary>The key an <c>Authorization: Bearer KEY</c> header presents, checked against the configured keys.</summary>
    public KeyCheck Check(StringValues authorization)
    {
        if (authorization.Count != 1 || authorization[0] is not { } header
            || !header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) || header[7..].Trim() is not { Length: > 0 } presented)
            return KeyCheck.Missing;
        byte[] digest = ApiKey.DigestOf(presented);
        ApiKey? match = null;
        foreach (var key in _all)
        {
            // No early exit: every configured key is compared, whichever matches.
            if (CryptographicOperations.FixedTimeEquals(key.Digest, digest)) match = key;
        }
        return match is null ? KeyCheck.Wrong : new KeyCheck(KeyCheckOutcome.Accepted, match);
    }
}

public enum KeyCheckOutcome
{
    Accepted,
    Missing,
    Wrong,
}

/// <summary>The outcome of <see cref="ApiKeys.Check"/>: the accepted key, or why none was.</summary>
public sealed record KeyCheck(KeyCheckOutcome Outcome, ApiKey? Key)
{
    public static readonly KeyCheck Missing = new(KeyCheckOutcome.Missing, null);

    public static readonly KeyCheck Wrong = new(KeyCheckOutcome.Wrong, null);
}
