namespace Cluster.Engine.KvCache;

/// <summary>
/// Who holds which KV-cache block, and which full blocks are kept for reuse (automatic prefix caching).
/// <para>
/// A block is free (no holder, no content worth keeping), held (reference-counted by the sequences whose block
/// tables contain it), or cached: no holder, but its content is registered under its <see cref="BlockHash"/>, so a
/// later sequence whose prompt starts with the same tokens takes it instead of recomputing it. Cached blocks are
/// reclaimed least recently released first, and only when no free block is left: memory that would sit idle keeps
/// serving hits. A block is registered only once all its positions are computed, and nothing ever writes a
/// registered block again (sequences write only positions past what they computed), so blocks shared by running
/// sequences stay exact. One pool serves one model's engine: the model is implicit in the pool, and the position in
/// the hash chain.
/// </para>
/// Runs only on the engine thread.
/// </summary>
public sealed class BlockPool
{
    private readonly int[] _holders;
    private readonly BlockHash?[] _hashOf;
    private readonly LinkedListNode<int>?[] _cachedNode;
    private readonly Stack<int> _free = new();
    private readonly LinkedList<int> _cached = new();
    private readonly Dictionary<BlockHash, int> _byHash = [];
    private readonly bool[] _landmark;
    private readonly HashSet<ulong> _landmarks = [];

    public BlockPool(int blocks, int blockSize, bool prefixCaching)
    {
        TotalBlocks = blocks;
        BlockSize = blockSize;
        PrefixCaching = prefixCaching;
        _holders = new int[blocks];
        _hashOf = new BlockHash?[blocks];
        _cachedNode = new LinkedListNode<int>?[blocks];
        _landmark = new bool[blocks];
        for (int b = blocks - 1; b >= 0; b--) _free.Push(b);
    }

    public int TotalBlocks { get; }

    public int BlockSize { get; }

    public bool PrefixCaching { get; }

    /// <summary>Blocks a new allocation can take: free ones and cached ones (which it would evict).</summary>
    public int FreeBlocks => _free.Count + _cached.Count;

    /// <summary>Blocks held by at least one sequence.</summary>
    public int UsedBlocks => TotalBlocks - FreeBlocks;

    /// <summary>Unheld blocks whose content is kept for reuse.</summary>
    public int CachedBlocks => _cached.Count;

    /// <summary>Prompt tokens looked up so far (vLLM's <c>prefix_cache_queries</c>).</summary>
    public long Queries { get; private set; }

    /// <summary>Of <see cref="Queries"/>, tokens found cached (vLLM's <c>prefix_cache_hits</c>).</summary>
    public long Hits { get; private set; }

    /// <summary>Every <see cref="LandmarkInterval"/>-th block of a sequence is a landmark (see <see cref="Landmarks"/>).</summary>
    public const int LandmarkInterval = 4;

    /// <summary>
    /// A summary of the prefixes this pool holds, for routers: the 64-bit digests (<see cref="BlockHash.Digest"/>) of the
    /// registered blocks that end a sequence's 4th, 8th, 12th… block. A router that hashes a prompt the same way learns
    /// how long a prefix of it is cached here from a few set lookups, and the summary is a sixteenth of the blocks' count.
    /// Changes with every registration and eviction; <see cref="LandmarkVersion"/> counts them.
    /// </summary>
    public IReadOnlyCollection<ulong> Landmarks => _landmarks;

    public long LandmarkVersion { get; private set; }

    /// <summary>Takes a block for a sequence: a free one, else the least recently released cached one (its content is dropped).</summary>
    public bool TryAllocate(out int block)
    {
        if (!_free.TryPop(out block))
        {
            if (_cached.First is not { } oldest) return false;
            block = oldest.Value;
            Uncache(block);
            var hash = _hashOf[block]!.Value;
            _byHash.Remove(hash);
            _hashOf[block] = null;
            if (_landmark[block])
            {
                _landmarks.Remove(hash.Digest);
                _landmark[block] = false;
                LandmarkVersion++;
            }
        }
        _holders[block] = 1;
        return true;
    }

    /// <summary>
    /// Appends to <paramref name="blocks"/> the cached blocks holding the longest prefix of <paramref name="hashes"/>
    /// (a sequence's full-block hashes, in order), taking a hold on each; returns how many.
    /// </summary>
    public int AcquirePrefix(IReadOnlyList<BlockHash> hashes, List<int> blocks)
    {
        if (!PrefixCaching) return 0;
        int found = 0;
        foreach (var hash in hashes)
        {
            if (!_byHash.TryGetValue(hash, out int block)) break;
            if (_holders[block]++ == 0) Uncache(block);
            blocks.Add(block);
            found++;
        }
        return found;
    }

    /// <summary>Counts a prompt lookup of <paramref name="tokens"/> tokens that found <paramref name="hitTokens"/> cached.</summary>
    public void RecordLookup(int tokens, int hitTokens)
    {
        Queries += tokens;
        Hits += hitTokens;
    }

    /// <summary>
    /// Registers a full, computed block under its hash so later sequences can reuse it. When another block already
    /// holds the same content (two sequences computed it at once), the first stays registered and this one is freed
    /// normally when released.
    /// </summary>
    /// <param name="index">The block's place in its sequence (0 for the first).</param>
    public void Register(int block, BlockHash hash, int index)
    {
        if (!PrefixCaching || _hashOf[block] is not null || _byHash.ContainsKey(hash)) return;
        _byHash[hash] = block;
        _hashOf[block] = hash;
        if ((index + 1) % LandmarkInterval == 0 && _landmarks.Add(hash.Digest))
        {
            _landmark[block] = true;
            LandmarkVersion++;
        }
    }

    /// <summary>
    /// Drops a sequence's hold on its blocks. Registered blocks become cached, tail first, so that under pressure a
    /// conversation's last blocks are evicted before its shared beginning.
    /// </summary>
    public void Release(List<int> blocks)
    {
        for (int i = blocks.Count - 1; i >= 0; i--)
        {
            int block = blocks[i];
            if (--_holders[block] > 0) continue;
            if (_holders[block] < 0) throw new InvalidOperationException($"KV-cache block {block} released more often than held.");
            if (_hashOf[block] is null) _free.Push(block);
            else _cachedNode[block] = _cached.AddLast(block);
        }
        blocks.Clear();
    }

    private void Uncache(int block)
    {
        _cached.Remove(_cachedNode[block]!);
        _cachedNode[block] = null;
    }
}
