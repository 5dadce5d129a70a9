using Cluster.Contracts.Models;

namespace Cluster.Grains.Routing;

/// <summary>
/// How a router weighs a replica's load against the prompt tokens it would have to prefill there. Lower is better:
/// <code>score = running + waiting + KV-cache usage (0–1) + sequences this router sent there and has not seen finish
///         + min(uncached prompt tokens / 64, 4)</code>
/// A running or queued sequence counts as much as 64 prompt tokens to prefill, so a replica that holds a long prefix
/// of the prompt wins while it is at most about 4 sequences busier than one that holds none of it; past that the
/// prefix stops mattering and the least loaded replica takes the request (and caches the prefix itself), so a popular
/// system prompt does not pile every conversation onto the replica that saw it first. Among replicas that hold none
/// of the prompt (or with prefix-aware routing off) this is plain least-loaded routing.
/// </summary>
public static class ReplicaScoring
{
    /// <summary>Prompt tokens to prefill that weigh as much as one sequence of load.</summary>
    public const int TokensPerSequence = 64;

    /// <summary>The most a cached prefix can be worth, in sequences of load.</summary>
    public const double MaxPrefixAdvantage = 4;

    /// <param name="inFlight">Sequences this router sent to the replica that have not finished.</param>
    /// <param name="promptTokens">The prompt's length; 0 leaves the prefix out.</param>
    /// <param name="cachedTokens">Tokens at the start of the prompt the replica is believed to hold.</param>
    public static double Score(ReplicaStatus replica, int inFlight, int promptTokens = 0, int cachedTokens = 0)
    {
        double load = (replica.Load is { } l ? l.Running + l.Waiting + (l.CacheBlocks == 0 ? 0 : (double)l.UsedCacheBlocks / l.CacheBlocks) : 0) + inFlight;
        return load + Math.Min((double)(promptTokens - Math.Min(cachedTokens, promptTokens)) / TokensPerSequence, MaxPrefixAdvantage);
    }
}
