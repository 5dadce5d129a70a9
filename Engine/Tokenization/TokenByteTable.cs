namespace Cluster.Engine.Tokenization;

/// <summary>
/// The raw bytes each token id stands for, packed into one array so that a lookup is a span slice (no allocation on
/// the per-token path). Ids without a token (gaps, padded embedding rows) map to no bytes.
/// </summary>
internal sealed class TokenByteTable
{
    private readonly byte[] _bytes;
    private readonly int[] _offsets;

    public TokenByteTable(IReadOnlyList<byte[]?> bytesById)
    {
        _offsets = new int[bytesById.Count + 1];
        var total = 0;
        for (var id = 0; id < bytesById.Count; id++)
        {
            _offsets[id] = total;
            total += bytesById[id]?.Length ?? 0;
        }
        _offsets[^1] = total;
        _bytes = new byte[total];
        for (var id = 0; id < bytesById.Count; id++)
        {
            bytesById[id]?.CopyTo(_bytes, _offsets[id]);
        }
    }

    public int Count => _offsets.Length - 1;

    public ReadOnlySpan<byte> this[int id] =>
        (uint)id < (uint)Count ? _bytes.AsSpan(_offsets[id], _offsets[id + 1] - _offsets[id]) : [];
}
