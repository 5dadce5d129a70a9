using static TorchSharp.torch;

namespace Cluster.Engine.KvCache;

/// <summary>
/// Key/value cache in fixed-size blocks, preallocated once under a memory budget: per layer one pool
/// [blocks, kvHeads, blockSize, headDim] for keys and one for values. A sequence holds a block table that
/// grows a block at a time, so memory follows actual lengths rather than the longest allowed sequence, and
/// a sequence that is preempted or finishes returns its blocks at once. Writes go through
/// <c>narrow(...).copy_</c>; the pools never grow or reallocate.
/// </summary>
public sealed class PagedKvCache : IDisposable
{
    private readonly Tensor[] _keys;
    private readonly Tensor[] _values;
    private readonly Stack<int> _free = new();

    public PagedKvCache(KvCacheShape shape, int blocks, ScalarType dtype, Device device)
    {
        Shape = shape;
        TotalBlocks = blocks;
        _keys = new Tensor[shape.Layers];
        _values = new Tensor[shape.Layers];
        for (int l = 0; l < shape.Layers; l++)
        {
            _keys[l] = zeros([blocks, shape.KvHeads, shape.BlockSize, shape.HeadDim], dtype, device);
            _values[l] = zeros([blocks, shape.KvHeads, shape.BlockSize, shape.HeadDim], dtype, device);
        }
        for (int b = blocks - 1; b >= 0; b--) _free.Push(b);
        BytesAllocated = (long)blocks * shape.BlockSize * shape.BytesPerToken(_keys.Length == 0 ? 4 : (int)_keys[0].ElementSize);
    }

    public KvCacheShape Shape { get; }

    public int BlockSize => Shape.BlockSize;

    public int TotalBlocks { get; }

    public int FreeBlocks => _free.Count;

    public int UsedBlocks => TotalBlocks - _free.Count;

    public long BytesAllocated { get; }

    /// <summary>Blocks needed to hold <paramref name="tokens"/> positions.</summary>
    public int BlocksFor(int tokens) => (tokens + BlockSize - 1) / BlockSize;

    public bool TryAllocate(out int block) => _free.TryPop(out block);

    public void Free(List<int> blocks)
    {
        foreach (int b in blocks) _free.Push(b);
        blocks.Clear();
    }

    /// <summary>Writes keys/values [tokens, kvHeads, headDim] at positions <paramref name="start"/>.. of a sequence.</summary>
    public void Write(int layer, IReadOnlyList<int> blockTable, int start, Tensor keys, Tensor values)
    {
        using var scope = NewDisposeScope();
        var k = keys.transpose(0, 1);
        var v = values.transpose(0, 1);
        int n = (int)keys.shape[0];
        for (int done = 0; done < n;)
        {
            int position = start + done;
            int block = blockTable[position / BlockSize], offset = position % BlockSize;
            int count = Math.Min(BlockSize - offset, n - done);
            _keys[layer][block].narrow(1, offset, count).copy_(k.narrow(1, done, count));
            _values[layer][block].narrow(1, offset, count).copy_(v.narrow(1, done, count));
            done += count;
        }
    }

    /// <summary>The first <paramref name="length"/> positions of a sequence: [kvHeads, length, headDim].</summary>
    public (Tensor Keys, Tensor Values) Read(int layer, IReadOnlyList<int> blockTable, int length)
    {
        int blocks = BlocksFor(length);
        if (blocks == 1)
            return (_keys[layer][blockTable[0]].narrow(1, 0, length), _values[layer][blockTable[0]].narrow(1, 0, length));
        using var scope = NewDisposeScope();
        var ids = tensor(blockTable.Take(blocks).Select(b => (long)b).ToArray(), int64, _keys[layer].device);
        Tensor Gather(Tensor pool) => pool.index_select(0, ids).permute(1, 0, 2, 3)
            .reshape(Shape.KvHeads, (long)blocks * BlockSize, Shape.HeadDim).narrow(1, 0, length);
        return (Gather(_keys[layer]).MoveToOuterDisposeScope(), Gather(_values[layer]).MoveToOuterDisposeScope());
    }

    public void Dispose()
    {
        foreach (var t in _keys) t.Dispose();
        foreach (var t in _values) t.Dispose();
    }
}

/// <summary>Geometry of a model's KV cache.</summary>
public readonly record struct KvCacheShape(int Layers, int KvHeads, int HeadDim, int BlockSize)
{
    /// <summary>Bytes one token occupies across all layers, keys and values.</summary>
    public long BytesPerToken(int elementSize) => 2L * Layers * KvHeads * HeadDim * elementSize;
}
