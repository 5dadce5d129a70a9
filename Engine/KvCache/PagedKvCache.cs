using static TorchSharp.torch;

namespace Cluster.Engine.KvCache;

/// <summary>
/// Key/value cache in fixed-size blocks, preallocated once under a memory budget: per layer one pool
/// [blocks × blockSize, kvHeads, headDim] for keys and one for values, so a cache slot (block * blockSize + offset)
/// is one row. A sequence holds a block table that grows a block at a time, so memory follows actual lengths rather
/// than the longest allowed sequence, and a sequence that is preempted or finishes returns its blocks at once.
/// A step writes all its tokens' keys/values with one indexed copy and reads them with one gather; the pools never
/// grow or reallocate. Which sequence holds which block, and which full blocks are kept for reuse, is
/// <see cref="Blocks"/>' business.
/// </summary>
public sealed class PagedKvCache : IDisposable
{
    private readonly Tensor[] _keys;
    private readonly Tensor[] _values;
    // What the pools hold and what attention computes in: a 16-bit cache halves its memory and the bytes a decode
    // step reads, while the softmax and weighted sums stay in the model's dtype (converted on write and on gather).
    private readonly ScalarType _storage;
    private readonly ScalarType _compute;

    /// <param name="prefixCaching">Keep full blocks for reuse by later sequences with the same prefix (<see cref="BlockPool"/>).</param>
    /// <param name="storage">The pools' element type; null: <paramref name="dtype"/>, the model's.</param>
    public PagedKvCache(KvCacheShape shape, int blocks, ScalarType dtype, Device device, bool prefixCaching = false, ScalarType? storage = null)
    {
        _compute = dtype;
        _storage = storage ?? dtype;
        dtype = _storage;
        Shape = shape;
        TotalBlocks = blocks;
        _keys = new Tensor[shape.Layers];
        _values = new Tensor[shape.Layers];
        for (int l = 0; l < shape.Layers; l++)
        {
            _keys[l] = zeros([(long)blocks * shape.BlockSize, shape.KvHeads, shape.HeadDim], dtype, device);
            _values[l] = zeros([(long)blocks * shape.BlockSize, shape.KvHeads, shape.HeadDim], dtype, device);
        }
        Blocks = new BlockPool(blocks, shape.BlockSize, prefixCaching);
        BytesAllocated = (long)blocks * shape.BlockSize * shape.BytesPerToken(_keys.Length == 0 ? 4 : (int)_keys[0].ElementSize);
    }

    public KvCacheShape Shape { get; }

    public int BlockSize => Shape.BlockSize;

    public int TotalBlocks { get; }

    public BlockPool Blocks { get; }

    public long BytesAllocated { get; }

    /// <summary>Blocks needed to hold <paramref name="tokens"/> positions.</summary>
    public int BlocksFor(int tokens) => (tokens + BlockSize - 1) / BlockSize;

    /// <summary>The cache row of a sequence's position.</summary>
    public long SlotOf(IReadOnlyList<int> blockTable, int position) => (long)blockTable[position / BlockSize] * BlockSize + position % BlockSize;

    /// <summary>Writes keys/values [tokens, kvHeads, headDim] into the cache rows <paramref name="slots"/> [tokens].</summary>
    public void Write(int layer, Tensor slots, Tensor keys, Tensor values)
    {
        _keys[layer].index_copy_(0, slots, keys.dtype == _storage ? keys : keys.to_type(_storage));
        _values[layer].index_copy_(0, slots, values.dtype == _storage ? values : values.to_type(_storage));
    }

    /// <summary>Keys/values at the cache rows <paramref name="slots"/>: [rows, kvHeads, headDim] each.</summary>
    public (Tensor Keys, Tensor Values) Gather(int layer, Tensor slots) =>
        (Compute(_keys[layer].index_select(0, slots)), Compute(_values[layer].index_select(0, slots)));

    /// <summary>The pools' element type.</summary>
    public ScalarType StorageType => _storage;

    private Tensor Compute(Tensor gathered)
    {
        if (_storage == _compute) return gathered;
        if (gathered.device_type == TorchSharp.DeviceType.CPU && _compute == ScalarType.Float32 && _storage is ScalarType.Float16 or ScalarType.BFloat16)
            return KvRowWidening.ToFloat32(gathered);
        return gathered.to_type(_compute);
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
