using System.Threading.Channels;
using Cluster.Engine.Sampling;
using static TorchSharp.torch;

namespace Cluster.Engine.Scheduling;

/// <summary>Engine-thread state of one request: its tokens, its cache blocks, its progress and its output channel.</summary>
internal sealed class Sequence
{
    public Sequence(long id, GenerationRequest request)
    {
        Id = id;
        Request = request;
        Tokens = new List<int>(request.PromptTokenIds.Count + Math.Min(request.MaxTokens, 4096));
        Tokens.AddRange(request.PromptTokenIds);
        PromptLength = request.PromptTokenIds.Count;
        Output = Channel.CreateUnbounded<GeneratedToken>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    }

    /// <summary>Arrival order: lower is older. Preemption takes the newest.</summary>
    public long Id { get; }

    public GenerationRequest Request { get; }

    public List<int> Tokens { get; }

    public int PromptLength { get; }

    /// <summary>Tokens whose keys/values are in the cache. Preemption resets it: the tokens are recomputed.</summary>
    public int Computed { get; set; }

    public int Generated => Tokens.Count - PromptLength;

    public List<int> Blocks { get; } = [];

    /// <summary>Chained hashes of the sequence's full blocks, as far as computed (they depend only on its tokens, so they survive preemption).</summary>
    public List<KvCache.BlockHash> BlockHashes { get; } = [];

    /// <summary>Leading <see cref="Blocks"/> registered in (or taken from) the prefix cache.</summary>
    public int RegisteredBlocks { get; set; }

    /// <summary>Prompt tokens found in the prefix cache when the sequence was first admitted; reported with its first token.</summary>
    public int? CachedPromptTokens { get; set; }

    public bool Cancelled { get; set; }

    public int Preemptions { get; set; }

    /// <summary>Created on first admission and kept across preemptions, so a seeded draw continues where it was.</summary>
    public Generator? Generator { get; set; }

    public Channel<GeneratedToken> Output { get; }

    /// <summary>The caller's trace and this sequence's phase times; null when nobody traces (the usual, free case).</summary>
    public Telemetry.SequenceTrace? Trace { get; init; }

    public SamplingParameters Sampling => Request.Sampling;
}
