using Cluster.Engine.KvCache;
using static TorchSharp.torch;

namespace Cluster.Engine.Models;

/// <summary>
/// Everything a step's attention needs to index the paged cache, built once per step (not per layer): the cache row
/// of every new token, and for the step's decodes (one-token segments) one padded gather of all their cached
/// positions with a visibility mask, so all decodes attend in a single batched call whatever their number.
/// Prompt chunks keep one gather each (their causal masks differ).
/// </summary>
internal sealed class StepIndices : IDisposable
{
    public StepIndices(ForwardBatch batch, PagedKvCache cache, int? slidingWindow, Device device)
    {
        var writes = new long[batch.TokenIds.Length];
        var decodeRows = new List<long>();
        var prefills = new List<PrefillSegment>();
        int row = 0, longest = 0;
        foreach (var s in batch.Segments)
        {
            for (int p = 0; p < s.TokenCount; p++) writes[row + p] = cache.SlotOf(s.BlockTable, s.StartPosition + p);
            int length = s.StartPosition + s.TokenCount;
            if (s.TokenCount == 1)
            {
                decodeRows.Add(row);
                longest = Math.Max(longest, length);
            }
            else
            {
                var slots = new long[length];
                for (int p = 0; p < length; p++) slots[p] = cache.SlotOf(s.BlockTable, p);
                prefills.Add(new PrefillSegment(row, s.TokenCount, s.StartPosition, tensor(slots, int64, device)));
            }
            row += s.TokenCount;
        }
        WriteSlots = tensor(writes, int64, device);
        Prefills = prefills;
        DecodeCount = decodeRows.Count;
        if (DecodeCount == 0) return;

        // Padding rows point at slot 0 (any valid row) and are masked out.
        var gather = new long[DecodeCount * longest];
        var visible = new bool[DecodeCount * longest];
        int d = 0;
        foreach (var s in batch.Segments)
        {
            if (s.TokenCount != 1) continue;
            int length = s.StartPosition + 1;
            int first = slidingWindow is int w ? Math.Max(0, length - w) : 0;
            for (int p = 0; p < length; p++)
            {
                gather[d * longest + p] = cache.SlotOf(s.BlockTable, p);
                visible[d * longest + p] = p >= first;
            }
            d++;
        }
        DecodeRows = tensor(decodeRows.ToArray(), int64, device);
        DecodeGather = tensor(gather, int64, device);
        DecodeMask = tensor(visible, [DecodeCount, 1, 1, longest], device: device);
        DecodeLength = longest;
    }

    /// <summary>Cache row of every token of the step, in batch order.</summary>
    public Tensor WriteSlots { get; }

    public IReadOnlyList<PrefillSegment> Prefills { get; }

    public int DecodeCount { get; }

    /// <summary>Rows of the step's tokens that are decodes.</summary>
    public Tensor? DecodeRows { get; }

    /// <summary>Cache rows of every decode's positions, padded to <see cref="DecodeLength"/>: [decodes × length].</summary>
    public Tensor? DecodeGather { get; }

    /// <summary>[decodes, 1, 1, length]: which gathered positions each decode sees (its own length, its window).</summary>
    public Tensor? DecodeMask { get; }

    public int DecodeLength { get; }

    public void Dispose()
    {
        WriteSlots.Dispose();
        foreach (var p in Prefills) p.Slots.Dispose();
        DecodeRows?.Dispose();
        DecodeGather?.Dispose();
        DecodeMask?.Dispose();
    }
}

/// <summary>A prompt chunk: its rows in the step, its start position, and the cache rows of all its visible positions.</summary>
internal readonly record struct PrefillSegment(int Row, int TokenCount, int StartPosition, Tensor Slots);
