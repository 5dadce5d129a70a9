using System.Text;
using Cluster.Parsers.Engine;

namespace Cluster.Parsers.Reasoning;

/// <summary>
/// Splits a choice's text into reasoning and content by the spec's markers, holding back partial markers.
/// Emits <see cref="ReasoningDelta"/> and <see cref="ContentDelta"/> only; compose it in front of a tool parser with
/// <see cref="ParserChain"/>.
/// </summary>
public sealed class ReasoningParser : IToolCallParser
{
    private readonly ReasoningFormatSpec _spec;
    private readonly MarkerMatcher _startMatcher;
    private readonly MarkerMatcher _endMatcher;
    private readonly StringBuilder _text = new();
    private bool _inReasoning;
    private bool _blockSeen;
    private bool _atStart = true;

    /// <summary>Creates a parser; <paramref name="startedInPrompt"/> forces the output to begin inside the block.</summary>
    public ReasoningParser(ReasoningFormatSpec spec, bool startedInPrompt = false)
    {
        _spec = spec;
        _startMatcher = new MarkerMatcher([spec.Start]);
        _endMatcher = new MarkerMatcher([spec.End]);
        _inReasoning = spec.StartsInReasoning || startedInPrompt;
        _blockSeen = _inReasoning;
    }

    /// <inheritdoc />
    public void Feed(ReadOnlySpan<char> delta, ReadOnlySpan<int> tokenIds, List<ParserEvent> events)
    {
        foreach (var c in delta)
        {
            Step(c, events);
        }
        Flush(events);
    }

    /// <inheritdoc />
    public void Finish(List<ParserEvent> events)
    {
        // Whatever a matcher still holds was not a marker after all.
        _startMatcher.Flush(_text);
        _endMatcher.Flush(_text);
        Flush(events);
    }

    private void Step(char c, List<ParserEvent> events)
    {
        if (_inReasoning)
        {
            // A model that repeats the opening marker the template already wrote: drop it.
            if (_atStart && _spec.StartsInReasoning)
            {
                var s = _startMatcher.Push(c, _text);
                if (s >= 0)
                {
                    _atStart = false;
                    return;
                }
                if (_startMatcher.HeldLength > 0)
                {
                    return;
                }
                _atStart = false;
                if (_text.Length == 0)
                {
                    return;
                }
                // The released text may hold the end marker's start: run it through the end matcher.
                var released = _text.ToString();
                _text.Clear();
                foreach (var r in released)
                {
                    Step(r, events);
                }
                return;
            }
            _atStart = false;
            if (_endMatcher.Push(c, _text) >= 0)
            {
                Flush(events);
                _inReasoning = false;
            }
            return;
        }
        if (_spec.SingleBlock && _blockSeen)
        {
            _text.Append(c);
            return;
        }
        if (_startMatcher.Push(c, _text) >= 0)
        {
            Flush(events);
            _inReasoning = true;
            _blockSeen = true;
            _atStart = false;
        }
    }

    private void Flush(List<ParserEvent> events)
    {
        if (_text.Length == 0)
        {
            return;
        }
        var text = DeltaText.Of(_text);
        events.Add(_inReasoning ? new ReasoningDelta(text) : new ContentDelta(text));
        _text.Clear();
    }
}
