using Cluster.Engine.Models;

namespace Cluster.Engine.Scheduling;

/// <summary>One step's work: the forward batch, how far each sequence advances, and which rows are sampled.</summary>
internal sealed record StepPlan(ForwardBatch Batch, IReadOnlyList<(Sequence Sequence, int Tokens)> Advances, IReadOnlyList<Sequence> Sampled)
{
    /// <summary>Builds the plan advancing each of <paramref name="work"/> (in order) by its token count from where it stands.</summary>
    public static StepPlan For(IReadOnlyList<(Sequence Sequence, int Tokens)> work)
    {
        var segments = new List<ForwardSegment>(work.Count);
        var tokens = new List<int>();
        var sampled = new List<Sequence>();
        foreach (var (s, n) in work)
        {
            bool last = s.Computed + n == s.Tokens.Count;
            segments.Add(new ForwardSegment(s.Blocks, s.Computed, n, NeedsLogits: last));
            for (int i = 0; i < n; i++) tokens.Add(s.Tokens[s.Computed + i]);
            if (last) sampled.Add(s);
        }
        return new StepPlan(new ForwardBatch(segments, tokens.ToArray()), work, sampled);
    }

    /// <summary>The same work as one plan per sequence, to find which sequence a failing step fails on.</summary>
    public IEnumerable<StepPlan> Split() => Advances.Select(a => For([a]));
}
