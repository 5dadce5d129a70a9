namespace Cluster.Parsers;

/// <summary>
/// Runs parsers in sequence for one choice: the content each stage emits is fed to the next stage; every other
/// event passes straight through. This is how markup stripping, reasoning and tool parsing compose, so tool
/// markers inside reasoning are never taken for calls.
/// </summary>
public sealed class ParserChain : IToolCallParser
{
    private readonly IToolCallParser[] _stages;
    private readonly List<ParserEvent>[] _scratch;

    /// <summary>Chains <paramref name="stages"/>, first to last.</summary>
    public ParserChain(params IToolCallParser[] stages)
    {
        if (stages.Length == 0)
        {
            throw new ArgumentException("A chain needs at least one stage.", nameof(stages));
        }
        _stages = stages;
        _scratch = stages.Select(_ => new List<ParserEvent>()).ToArray();
    }

    /// <inheritdoc />
    public void Feed(ReadOnlySpan<char> delta, ReadOnlySpan<int> tokenIds, List<ParserEvent> events)
    {
        _stages[0].Feed(delta, tokenIds, _scratch[0]);
        Forward(0, events, finish: false);
    }

    /// <inheritdoc />
    public void Finish(List<ParserEvent> events)
    {
        _stages[0].Finish(_scratch[0]);
        Forward(0, events, finish: true);
    }

    private void Forward(int stage, List<ParserEvent> events, bool finish)
    {
        var produced = _scratch[stage];
        var last = stage == _stages.Length - 1;
        if (last)
        {
            events.AddRange(produced);
            produced.Clear();
            return;
        }
        var next = _stages[stage + 1];
        var nextOut = _scratch[stage + 1];
        foreach (var e in produced)
        {
            if (e is ContentDelta c)
            {
                next.Feed(c.Text, ReadOnlySpan<int>.Empty, nextOut);
            }
            else
            {
                // Keep order: flush what the later stages produced so far before a pass-through event.
                Forward(stage + 1, events, finish: false);
                events.Add(e);
            }
        }
        produced.Clear();
        if (finish)
        {
            next.Finish(nextOut);
        }
        Forward(stage + 1, events, finish);
    }
}
