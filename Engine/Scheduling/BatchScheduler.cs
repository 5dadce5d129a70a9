using Cluster.Engine.KvCache;
using Cluster.Engine.Models;
using static TorchSharp.torch;

namespace Cluster.Engine.Scheduling;

/// <summary>
/// Decides, between steps, which sequences run and how many tokens each advances, under the KV-cache budget.
/// Admission is first come, first served. When a running sequence needs a block and none is free, the newest
/// running sequence is preempted: its blocks are freed and it returns to the head of the queue, to be
/// recomputed (prompt plus what it generated) when memory allows. With prefix caching, an admitted sequence first
/// takes the cached blocks of its longest cached prefix and computes only the rest; the blocks it completes are
/// registered for others as soon as they are computed. Runs only on the engine thread.
/// </summary>
internal sealed class BatchScheduler(EngineOptions options, PagedKvCache cache, Device device)
{
    private readonly BlockPool _pool = cache.Blocks;

    private readonly LinkedList<Sequence> _waiting = new();
    private int _preemptions;

    /// <summary>Running sequences, oldest first.</summary>
    public List<Sequence> Running { get; } = [];

    public int WaitingCount => _waiting.Count;

    public bool Idle => Running.Count == 0 && _waiting.Count == 0;

    public void Enqueue(Sequence sequence) => _waiting.AddLast(sequence);

    public int TakePreemptions()
    {
        int n = _preemptions;
        _preemptions = 0;
        return n;
    }

    public void Cancel(long id)
    {
        var running = Running.Find(s => s.Id == id);
        if (running is not null)
        {
            Retire(running);
            return;
        }
        for (var node = _waiting.First; node is not null; node = node.Next)
        {
            if (node.Value.Id != id) continue;
            EndTrace(node.Value);
            node.Value.Output.Writer.TryComplete();
            node.Value.Generator?.Dispose();
            _waiting.Remove(node);
            return;
        }
    }

    /// <summary>Moves waiting sequences to running while they fit, keeping a block of headroom per running sequence.</summary>
    public void Admit()
    {
        while (_waiting.First is { } node && Running.Count < options.MaxSequences)
        {
            var next = node.Value;
            int hit = TakeCachedPrefix(next);
            int needed = cache.BlocksFor(next.Tokens.Count + 1) - hit;
            if (_pool.FreeBlocks - needed < (Running.Count == 0 ? 0 : Running.Count))
            {
                _pool.Release(next.Blocks);
                return;
            }
            _waiting.RemoveFirst();
            next.Computed = hit * cache.BlockSize;
            next.RegisteredBlocks = hit;
            if (_pool.PrefixCaching) _pool.RecordLookup(next.Tokens.Count, next.Computed);
            next.CachedPromptTokens ??= Math.Min(next.Computed, next.PromptLength);
            next.Trace?.Admitted();
            next.Generator ??= new Generator(next.Sampling.Seed ?? (ulong)Random.Shared.NextInt64(), device);
            Running.Add(next);
            Running.Sort((a, b) => a.Id.CompareTo(b.Id));
        }
    }

    /// <summary>
    /// Holds the cached blocks of the sequence's longest cached prefix (appended to its block table); returns how many.
    /// At least its last token stays uncached: the step that computes it yields the logits to sample from.
    /// </summary>
    private int TakeCachedPrefix(Sequence sequence)
    {
        if (!_pool.PrefixCaching) return 0;
        BlockHash.Extend(sequence.BlockHashes, sequence.Tokens, cache.BlockSize, (sequence.Tokens.Count - 1) / cache.BlockSize);
        return _pool.AcquirePrefix(sequence.BlockHashes, sequence.Blocks);
    }

    /// <summary>Registers the blocks the latest step completed, so sequences that share them skip computing them.</summary>
    public void RegisterComputed(IReadOnlyList<(Sequence Sequence, int Tokens)> advances)
    {
        if (!_pool.PrefixCaching) return;
        foreach (var (s, _) in advances)
        {
            int full = s.Computed / cache.BlockSize;
            if (full <= s.RegisteredBlocks || !Running.Contains(s)) continue;
            BlockHash.Extend(s.BlockHashes, s.Tokens, cache.BlockSize, full);
            for (int i = s.RegisteredBlocks; i < full; i++) _pool.Register(s.Blocks[i], s.BlockHashes[i], i);
            s.RegisteredBlocks = full;
        }
    }

    /// <summary>Plans the next step, allocating the blocks it needs (preempting if it must); null when there is nothing to run.</summary>
    public StepPlan? Plan()
    {
        int budget = options.MaxTokensPerStep;
        var work = new List<(Sequence Sequence, int Tokens)>();
        // Decodes first (one token each), then prompt chunks, oldest first, with what budget is left.
        foreach (var s in Running)
            if (s.Tokens.Count - s.Computed == 1 && budget > 0) { work.Add((s, 1)); budget--; }
        foreach (var s in Running)
        {
            int pending = s.Tokens.Count - s.Computed;
            if (pending <= 1 || budget <= 0) continue;
            int n = Math.Min(pending, budget);
            work.Add((s, n));
            budget -= n;
        }

        var planned = new List<(Sequence Sequence, int Tokens)>(work.Count);
        foreach (var (s, n) in work.OrderBy(w => w.Sequence.Id))
        {
            if (!Running.Contains(s)) continue; // preempted while making room for an older one
            if (EnsureBlocks(s, s.Computed + n)) planned.Add((s, n));
        }
        if (planned.Count == 0) return null;

        return StepPlan.For(planned);
    }

    private bool EnsureBlocks(Sequence sequence, int positions)
    {
        int needed = cache.BlocksFor(positions);
        while (sequence.Blocks.Count < needed)
        {
            if (_pool.TryAllocate(out int block))
            {
                sequence.Blocks.Add(block);
                continue;
            }
            var victim = Running[^1];
            if (victim == sequence && Running.Count == 1)
            {
                // Alone and still out of room: the budget cannot hold this sequence any longer.
                sequence.Output.Writer.TryWrite(new GeneratedToken(-1, FinishReason.Length));
                if (sequence.Trace is { } trace) trace.Finish = "length";
                Retire(sequence);
                return false;
            }
            Preempt(victim);
            if (victim == sequence) return false;
        }
        return true;
    }

    private void Preempt(Sequence sequence)
    {
        Running.Remove(sequence);
        _pool.Release(sequence.Blocks);
        sequence.RegisteredBlocks = 0;
        sequence.Computed = 0;
        sequence.Preemptions++;
        _preemptions++;
        _waiting.AddFirst(sequence);
    }

    /// <summary>Ends a sequence: its output completes and its blocks return to the pool.</summary>
    public void Retire(Sequence sequence)
    {
        EndTrace(sequence);
        Running.Remove(sequence);
        sequence.Output.Writer.TryComplete();
        _pool.Release(sequence.Blocks);
        sequence.RegisteredBlocks = 0;
        sequence.Generator?.Dispose();
        sequence.Generator = null;
    }

    public void FailAll()
    {
        foreach (var s in Running.ToList())
        {
            s.Output.Writer.TryWrite(new GeneratedToken(-1, FinishReason.Error));
            if (s.Trace is { } trace) trace.Finish = "error";
            Retire(s);
        }
    }

    public void CloseAll()
    {
        foreach (var s in Running.ToList()) Retire(s);
        foreach (var s in _waiting)
        {
            EndTrace(s);
            s.Output.Writer.TryComplete();
        }
        _waiting.Clear();
    }

    private static void EndTrace(Sequence s) => s.Trace?.End(s.PromptLength, s.CachedPromptTokens, s.Generated, s.Preemptions);
}
