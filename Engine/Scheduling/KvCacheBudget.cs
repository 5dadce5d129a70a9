using System.Globalization;

namespace Cluster.Engine.Scheduling;

/// <summary>
/// How many positions the KV cache holds, and why: <c>--kv-cache-tokens</c> when given; otherwise every sequence at
/// full length (<c>--max-num-seqs</c> × <c>--max-model-len</c>, as vLLM sizes it), but never more than
/// <see cref="EngineOptions.KvCacheMemoryFraction"/> of the memory available when the engine starts, so a large
/// <c>--max-model-len</c> on a small node shrinks the cache (sequences then wait or are preempted) instead of
/// taking the machine's memory.
/// </summary>
public sealed record KvCacheBudget(long Tokens, string Reason)
{
    public static KvCacheBudget Compute(EngineOptions options, int maxSequenceLength, long bytesPerToken, long? availableBytes)
    {
        if (options.KvCacheTokens is { } tokens) return new(tokens, "--kv-cache-tokens");
        // Whole blocks per sequence: a max-model-len that is not a multiple of the block size still fits every sequence.
        long blocksPerSequence = (maxSequenceLength + (long)options.BlockSize - 1) / options.BlockSize;
        long wanted = options.MaxSequences * blocksPerSequence * options.BlockSize;
        string full = string.Create(CultureInfo.InvariantCulture, $"max-num-seqs {options.MaxSequences} × max-model-len {maxSequenceLength}");
        if (availableBytes is not { } available) return new(wanted, full + "; available memory unknown");
        long cap = (long)(available * options.KvCacheMemoryFraction) / bytesPerToken;
        string ofMemory = string.Create(CultureInfo.InvariantCulture, $"{options.KvCacheMemoryFraction:0.##} of {available / (double)(1L << 30):0.0} GiB available");
        return wanted <= cap ? new(wanted, $"{full}, within {ofMemory}") : new(cap, $"capped at {ofMemory} (wanted {full})");
    }
}

/// <summary>Memory the process can still take: the kernel's estimate of available memory, bounded by the container's cgroup limit.</summary>
public static class AvailableMemory
{
    /// <summary>Bytes available now, or null where neither <c>/proc/meminfo</c> nor a cgroup limit can be read.</summary>
    public static long? Read()
    {
        long? available = ReadMemInfo("/proc/meminfo");
        if (ReadCgroupHeadroom("/sys/fs/cgroup") is { } headroom) available = available is { } a ? Math.Min(a, headroom) : headroom;
        return available;
    }

    /// <summary><c>MemAvailable</c> of a meminfo file, in bytes.</summary>
    public static long? ReadMemInfo(string path)
    {
        if (!File.Exists(path)) return null;
        foreach (string line in File.ReadLines(path))
        {
            if (!line.StartsWith("MemAvailable:", StringComparison.Ordinal)) continue;
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return parts.Length >= 2 && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out long kib) ? kib * 1024 : null;
        }
        return null;
    }

    /// <summary>A cgroup v2 limit minus what the group already uses (<c>memory.max</c> − <c>memory.current</c>); null without a limit.</summary>
    public static long? ReadCgroupHeadroom(string cgroupFolder)
    {
        string max = Path.Combine(cgroupFolder, "memory.max"), current = Path.Combine(cgroupFolder, "memory.current");
        if (!File.Exists(max) || !File.Exists(current)) return null;
        if (!long.TryParse(File.ReadAllText(max).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out long limit)) return null; // "max": no limit
        return long.TryParse(File.ReadAllText(current).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out long used) ? Math.Max(0, limit - used) : null;
    }
}
