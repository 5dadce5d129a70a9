using System.Text;
using Cluster.Parsers.Specs;

namespace Cluster.Parsers.Engine;

/// <summary>
/// Removes a format's stray special tokens (<c>&lt;/s&gt;</c>, answer markers) and markup spans (citation closers)
/// from the text before any other stage sees it. Emits only <see cref="ContentDelta"/>.
/// </summary>
internal sealed class MarkupStripper : IToolCallParser
{
    private readonly MarkerMatcher _starts;
    private readonly MarkerMatcher[] _spanEnds;
    private readonly int _markerCount;
    private readonly StringBuilder _text = new();
    private readonly StringBuilder _discard = new();
    private int _span = -1;

    public MarkupStripper(string[] markers, StrippedSpanSpec[] spans)
    {
        _markerCount = markers.Length;
        _starts = new MarkerMatcher(markers.Concat(spans.Select(s => s.Start)));
        _spanEnds = spans.Select(s => new MarkerMatcher([s.End])).ToArray();
    }

    public void Feed(ReadOnlySpan<char> delta, ReadOnlySpan<int> tokenIds, List<ParserEvent> events)
    {
        foreach (var c in delta)
        {
            Step(c);
        }
        Flush(events);
    }

    public void Finish(List<ParserEvent> events)
    {
        if (_span < 0)
        {
            _starts.Flush(_text);
        }
        Flush(events);
    }

    private void Step(char c)
    {
        if (_span >= 0)
        {
            if (_spanEnds[_span].Push(c, _discard) >= 0)
            {
                _span = -1;
            }
            _discard.Clear();
            return;
        }
        var idx = _starts.Push(c, _text);
        if (idx >= _markerCount)
        {
            _span = idx - _markerCount;
        }
        foreach (var r in idx >= 0 ? _starts.TakeLeftover() : "")
        {
            Step(r);
        }
    }

    private void Flush(List<ParserEvent> events)
    {
        if (_text.Length > 0)
        {
            events.Add(new ContentDelta(DeltaText.Of(_text)));
            _text.Clear();
        }
    }
}
