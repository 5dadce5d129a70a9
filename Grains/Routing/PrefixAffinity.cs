using System.Runtime.CompilerServices;
using Cluster.Contracts.Models;
using Cluster.Engine.KvCache;

namespace Cluster.Grains.Routing;

/// <summary>
/// How long a prefix of a prompt each replica's prefix cache holds, as a router can know it cheaply: every replica
/// publishes its cache's landmarks in its load reports (64-bit digests of the chained hash of every 4th block of its
/// cached sequences, the same chain the engine keys blocks by), and this router remembers where it sent prompts in the
/// last few seconds, which reports have not caught up with yet. A prompt costs one hash chain over its tokens and a set
/// lookup per landmark per candidate: nothing scans a replica's blocks and nothing leaves the process.
/// </summary>
public sealed class PrefixAffinity
{
    /// <summary>How long this router trusts its own choices over the reports (load reports come every second, landmark snapshots every 250 ms).</summary>
    public static readonly TimeSpan RecentWindow = TimeSpan.FromSeconds(3);

    /// <summary>Bound on remembered choices (landmarks × replica), whatever the request rate.</summary>
    public const int MaxRecent = 100_000;

    private readonly ConditionalWeakTable<ulong[], HashSet<ulong>> _published = new();
    private readonly Queue<(ulong Landmark, string Replica, DateTime At)> _recentOrder = new();
    private readonly Dictionary<(ulong Landmark, string Replica), int> _recent = [];
    private readonly Lock _gate = new();
    private readonly Func<DateTime> _clock;

    public PrefixAffinity(Func<DateTime>? clock = null) => _clock = clock ?? (() => DateTime.UtcNow);

    /// <summary>The landmark digests of <paramref name="prompt"/> for a cache of <paramref name="blockSize"/>-token blocks, in order.</summary>
    public static ulong[] Landmarks(IReadOnlyList<int> prompt, int blockSize)
    {
        int span = blockSize * BlockPool.LandmarkInterval;
        var landmarks = new ulong[prompt.Count / span];
        var hashes = new List<BlockHash>(prompt.Count / blockSize);
        for (int i = 0; i < landmarks.Length; i++)
        {
            BlockHash.Extend(hashes, prompt, blockSize, (i + 1) * BlockPool.LandmarkInterval);
            landmarks[i] = hashes[^1].Digest;
        }
        return landmarks;
    }

    /// <summary>Tokens at the start of the prompt (whose landmarks are <paramref name="landmarks"/>) that <paramref name="replica"/> is believed to hold.</summary>
    public int CachedTokens(ReplicaStatus replica, ulong[] landmarks)
    {
        if (replica.Load is not { BlockSize: > 0 } load || landmarks.Length == 0) return 0;
        var published = load.PrefixLandmarks.Length == 0 ? null : _published.GetValue(load.PrefixLandmarks, l => [.. l]);
        string key = replica.Replica.GrainKey;
        int held = 0;
        lock (_gate)
        {
            Expire();
            while (held < landmarks.Length && (published?.Contains(landmarks[held]) == true || _recent.ContainsKey((landmarks[held], key)))) held++;
        }
        return held * load.BlockSize * BlockPool.LandmarkInterval;
    }

    /// <summary>Remembers that the prompt with these landmarks was just sent to <paramref name="replicaKey"/>.</summary>
    public void Record(string replicaKey, ulong[] landmarks)
    {
        var now = _clock();
        lock (_gate)
        {
            foreach (ulong landmark in landmarks)
            {
                _recentOrder.Enqueue((landmark, replicaKey, now));
                _recent[(landmark, replicaKey)] = _recent.GetValueOrDefault((landmark, replicaKey)) + 1;
            }
            Expire();
        }
    }

    /// <summary>Remembered choices (for tests and bounds).</summary>
    public int RecentCount
    {
        get
        {
            lock (_gate) return _recent.Count;
        }
    }

    private void Expire()
    {
        var oldest = _clock() - RecentWindow;
        while (_recentOrder.TryPeek(out var entry) && (entry.At < oldest || _recentOrder.Count > MaxRecent))
        {
            _recentOrder.Dequeue();
            var key = (entry.Landmark, entry.Replica);
            if (_recent[key] == 1) _recent.Remove(key);
            else _recent[key]--;
        }
    }
}
