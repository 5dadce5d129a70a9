namespace Cluster.Parsers.Reasoning;

/// <summary>
/// Runs a reasoning parser first and hands only its content to a tool-call parser, so tool markers inside reasoning
/// are never taken for calls.
/// </summary>
public sealed class ReasoningThenToolsParser(IToolCallParser reasoning, IToolCallParser tools) : IToolCallParser
{
    private readonly List<ParserEvent> _scratch = [];

    /// <inheritdoc />
    public void Feed(ReadOnlySpan<char> delta, ReadOnlySpan<int> tokenIds, List<ParserEvent> events)
    {
        reasoning.Feed(delta, tokenIds, _scratch);
        Forward(events);
    }

    /// <inheritdoc />
    public void Finish(List<ParserEvent> events)
    {
        reasoning.Finish(_scratch);
        Forward(events);
        tools.Finish(events);
    }

    private void Forward(List<ParserEvent> events)
    {
        foreach (var e in _scratch)
        {
            if (e is ContentDelta c)
            {
                tools.Feed(c.Text, ReadOnlySpan<int>.Empty, events);
            }
            else
            {
                events.Add(e);
            }
        }
        _scratch.Clear();
    }
}
