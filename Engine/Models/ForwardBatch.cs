namespace Cluster.Engine.Models;

/// <summary>
/// One slice of a forward step: <see cref="TokenCount"/> consecutive tokens of the sequence whose KV-cache
/// blocks are <see cref="BlockTable"/>, starting at absolute position <see cref="StartPosition"/>. A decode is a
/// one-token segment; a prefill chunk is a longer one. Segments of different sequences share a step.
/// The block table must already cover positions up to StartPosition + TokenCount.
/// </summary>
public readonly record struct ForwardSegment(IReadOnlyList<int> BlockTable, int StartPosition, int TokenCount, bool NeedsLogits);

/// <summary>
/// All tokens of one step, flattened in segment order. The linear layers run over every token at once (weights
/// are read once per step, whatever the batch); attention runs per segment against that sequence's cache.
/// </summary>
public sealed class ForwardBatch
{
    public ForwardBatch(IReadOnlyList<ForwardSegment> segments, int[] tokenIds)
    {
        int total = 0;
        foreach (var s in segments) total += s.TokenCount;
        if (total != tokenIds.Length)
            throw new ArgumentException($"segments cover {total} tokens but {tokenIds.Length} were given", nameof(tokenIds));
        Segments = segments;
        TokenIds = tokenIds;
    }

    public IReadOnlyList<ForwardSegment> Segments { get; }

    public int[] TokenIds { get; }

    /// <summary>Absolute position of every token, in the same order as <see cref="TokenIds"/>.</summary>
    public long[] Positions()
    {
        var positions = new long[TokenIds.Length];
        int i = 0;
        foreach (var s in Segments)
            for (int p = 0; p < s.TokenCount; p++) positions[i++] = s.StartPosition + p;
        return positions;
    }
}
