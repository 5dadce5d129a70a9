using Cluster.Engine.KvCache;

namespace Cluster.Engine.Tests;

public sealed class BlockPoolTests
{
    private static List<BlockHash> Chain(params int[][] blocks)
    {
        var hashes = new List<BlockHash>();
        foreach (var b in blocks) hashes.Add(BlockHash.Chain(hashes.Count == 0 ? null : hashes[^1], b));
        return hashes;
    }

    private static List<int> Take(BlockPool pool, int n)
    {
        var blocks = new List<int>();
        for (int i = 0; i < n; i++)
        {
            Assert.True(pool.TryAllocate(out int b));
            blocks.Add(b);
        }
        return blocks;
    }

    [Fact]
    public void A_hash_depends_on_the_tokens_and_everything_before_them()
    {
        int[] a = [1, 2, 3, 4], b = [5, 6, 7, 8];
        Assert.Equal(BlockHash.Chain(null, a), BlockHash.Chain(null, a));
        Assert.NotEqual(BlockHash.Chain(null, a), BlockHash.Chain(null, b));
        // The same tokens after a different prefix (another position or context) are other content.
        Assert.NotEqual(Chain(a, b)[1], Chain(b, b)[1]);
        Assert.NotEqual(Chain(a, b)[1], BlockHash.Chain(null, b));
    }

    [Fact]
    public void Registered_blocks_are_shared_reference_counted_and_kept_after_release()
    {
        var pool = new BlockPool(4, 4, prefixCaching: true);
        var hashes = Chain([1, 2, 3, 4], [5, 6, 7, 8]);
        var first = Take(pool, 3);
        pool.Register(first[0], hashes[0], 0);
        pool.Register(first[1], hashes[1], 1);

        var second = new List<int>();
        Assert.Equal(2, pool.AcquirePrefix(hashes, second));
        Assert.Equal(first[..2], second);
        Assert.Equal(3, pool.UsedBlocks);

        pool.Release(first);
        Assert.Equal(2, pool.UsedBlocks); // still held by the second sequence
        pool.Release(second);
        Assert.Equal(0, pool.UsedBlocks);
        Assert.Equal(2, pool.CachedBlocks);
        Assert.Equal(4, pool.FreeBlocks);

        var third = new List<int>();
        Assert.Equal(2, pool.AcquirePrefix(hashes, third));
        Assert.Equal(0, pool.CachedBlocks);
        Assert.Throws<InvalidOperationException>(() =>
        {
            var twice = new List<int>(third);
            pool.Release(third);
            pool.Release(twice);
        });
    }

    [Fact]
    public void Free_blocks_go_first_then_the_least_recently_released_tail_first()
    {
        var pool = new BlockPool(4, 4, prefixCaching: true);
        var a = Chain([1, 1, 1, 1], [2, 2, 2, 2]);
        var b = Chain([3, 3, 3, 3]);
        var older = Take(pool, 2);
        pool.Register(older[0], a[0], 0);
        pool.Register(older[1], a[1], 1);
        var newer = Take(pool, 1);
        pool.Register(newer[0], b[0], 0);
        int olderTail = older[1];
        pool.Release(older);
        pool.Release(newer);

        // One never-used block is left: it goes before any cached one.
        Assert.True(pool.TryAllocate(out _));
        Assert.Equal(3, pool.CachedBlocks);
        // Then the older sequence's tail, then its head; the newer sequence's block survives longest.
        Assert.True(pool.TryAllocate(out int evicted));
        Assert.Equal(olderTail, evicted);
        var probe = new List<int>();
        Assert.Equal(1, pool.AcquirePrefix(a, probe));
        pool.Release(probe);
        Assert.True(pool.TryAllocate(out _));
        Assert.True(pool.TryAllocate(out _));
        Assert.False(pool.TryAllocate(out _));
        Assert.Equal(0, pool.AcquirePrefix(b, []));
    }

    [Fact]
    public void A_second_copy_of_cached_content_is_not_registered_and_is_freed_plainly()
    {
        var pool = new BlockPool(2, 4, prefixCaching: true);
        var hash = Chain([9, 9, 9, 9])[0];
        var one = Take(pool, 1);
        var two = Take(pool, 1);
        pool.Register(one[0], hash, 0);
        pool.Register(two[0], hash, 0);
        pool.Release(two);
        Assert.Equal(0, pool.CachedBlocks);
        pool.Release(one);
        Assert.Equal(1, pool.CachedBlocks);
    }

    [Fact]
    public void With_caching_off_nothing_is_registered_or_found()
    {
        var pool = new BlockPool(2, 4, prefixCaching: false);
        var hash = Chain([9, 9, 9, 9]);
        var one = Take(pool, 1);
        pool.Register(one[0], hash[0], 0);
        pool.Release(one);
        Assert.Equal(0, pool.CachedBlocks);
        Assert.Equal(0, pool.AcquirePrefix(hash, []));
    }

    [Fact]
    public void Every_fourth_block_is_a_landmark_until_it_is_evicted()
    {
        var pool = new BlockPool(8, 1, prefixCaching: true);
        var hashes = Chain([1], [2], [3], [4], [5], [6], [7], [8]);
        var blocks = Take(pool, 8);
        for (int i = 0; i < 8; i++) pool.Register(blocks[i], hashes[i], i);
        Assert.Equal(new[] { hashes[3].Digest, hashes[7].Digest }.Order(), pool.Landmarks.Order());
        long version = pool.LandmarkVersion;

        pool.Release(blocks);
        // Released tail first: block 7 is the least recently released and the first evicted.
        Assert.True(pool.TryAllocate(out _));
        Assert.Equal([hashes[3].Digest], pool.Landmarks);
        Assert.True(pool.LandmarkVersion > version);
    }
}
