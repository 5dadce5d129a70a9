using static TorchSharp.torch;

namespace Cluster.Engine.KvCache;

/// <summary>
/// Preallocated key/value cache: per layer one tensor [slots, kvHeads, maxSequenceLength, headDim] for keys and
/// one for values. A sequence owns a slot for its lifetime; writes go through <c>narrow(...).copy_</c> so the
/// cache never grows or reallocates (growing with <c>cat</c> would copy quadratically).
/// </summary>
public sealed class KvCachePool : IDisposable
{
    private readonly Tensor[] _keys;
    private readonly Tensor[] _values;
    private readonly Stack<int> _free = new();

    public KvCachePool(int layers, int slots, int kvHeads, int maxSequenceLength, int headDim, ScalarType dtype, Device device)
    {
        Slots = slots;
        MaxSequenceLength = maxSequenceLength;
        _keys = new Tensor[layers];
        _values = new Tensor[layers];
        for (int l = 0; l < layers; l++)
        {
            _keys[l] = zeros([slots, kvHeads, maxSequenceLength, headDim], dtype, device);
            _values[l] = zeros([slots, kvHeads, maxSequenceLength, headDim], dtype, device);
        }
        for (int s = slots - 1; s >= 0; s--) _free.Push(s);
        BytesAllocated = 2L * layers * slots * kvHeads * maxSequenceLength * headDim * _keys[0].ElementSize;
    }

    public int Slots { get; }

    public int MaxSequenceLength { get; }

    public long BytesAllocated { get; }

    public int FreeSlots => _free.Count;

    public int UsedSlots => Slots - _free.Count;

    public bool TryAllocate(out int slot) => _free.TryPop(out slot);

    public void Release(int slot) => _free.Push(slot);

    /// <summary>Writes keys/values [tokens, kvHeads, headDim] at positions start.. of a slot.</summary>
    public void Write(int layer, int slot, int start, Tensor keys, Tensor values)
    {
        using var scope = NewDisposeScope();
        long n = keys.shape[0];
        _keys[layer][slot].narrow(1, start, n).copy_(keys.transpose(0, 1));
        _values[layer][slot].narrow(1, start, n).copy_(values.transpose(0, 1));
    }

    /// <summary>Views (no copy) of the first <paramref name="length"/> cached positions: [kvHeads, length, headDim].</summary>
    public (Tensor Keys, Tensor Values) Read(int layer, int slot, int length) =>
        (_keys[layer][slot].narrow(1, 0, length), _values[layer][slot].narrow(1, 0, length));

    public void Dispose()
    {
        foreach (var t in _keys) t.Dispose();
        foreach (var t in _values) t.Dispose();
    }
}
