using System.Threading.Channels;
using Cluster.Engine.Sampling;
using static TorchSharp.torch;

namespace Cluster.Engine.Scheduling;

/// <summary>Engine-thread state of one request: its tokens, its cache slot, its progress and its output channel.</summary>
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

    public long Id { get; }

    public GenerationRequest Request { get; }

    public List<int> Tokens { get; }

    public int PromptLength { get; }

    /// <summary>Tokens whose keys/values are in the cache.</summary>
    public int Computed { get; set; }

    public int Generated => Tokens.Count - PromptLength;

    public int Slot { get; set; } = -1;

    public bool Cancelled { get; set; }

    public Generator? Generator { get; set; }

    public Channel<GeneratedToken> Output { get; }

    public SamplingParameters Sampling => Request.Sampling;
}
