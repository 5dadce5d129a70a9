using System.Text;

namespace Cluster.Parsers;

/// <summary>Folds a choice's <see cref="ParserEvent"/>s into the non-streaming <see cref="ToolCallParseResult"/>.</summary>
public sealed class ToolCallResultBuilder
{
    private readonly StringBuilder _content = new();
    private readonly StringBuilder _reasoning = new();
    private readonly List<(int Index, string Id, string Name, StringBuilder Arguments, bool Ended, bool Void)> _calls = [];
    private readonly List<ToolCallParseError> _errors = [];
    private ParseStatus _status = ParseStatus.Ok;

    /// <summary>Builds the result of a complete event sequence.</summary>
    public static ToolCallParseResult Build(IEnumerable<ParserEvent> events)
    {
        var builder = new ToolCallResultBuilder();
        foreach (var e in events)
        {
            builder.Add(e);
        }
        return builder.ToResult();
    }

    /// <summary>Adds one event.</summary>
    public void Add(ParserEvent e)
    {
        switch (e)
        {
            case ContentDelta c:
                _content.Append(c.Text);
                break;
            case ReasoningDelta r:
                _reasoning.Append(r.Text);
                break;
            case ToolCallStarted s:
                _calls.Add((s.Index, s.Id, s.Name, new StringBuilder(), false, false));
                break;
            case ToolCallArgumentsDelta a:
                Find(a.Index).Arguments.Append(a.Fragment);
                break;
            case ToolCallEnded end:
                var i = _calls.FindIndex(c => c.Index == end.Index);
                _calls[i] = _calls[i] with { Ended = true };
                break;
            case ParseIssue issue:
                _errors.Add(issue.Error);
                if (issue.Grade > _status)
                {
                    _status = issue.Grade;
                }
                if (issue.ToolCallIndex is int index && issue.Grade == ParseStatus.Failed)
                {
                    var j = _calls.FindIndex(c => c.Index == index);
                    if (j >= 0)
                    {
                        _calls[j] = _calls[j] with { Void = true };
                    }
                }
                break;
        }
    }

    /// <summary>The result so far.</summary>
    public ToolCallParseResult ToResult()
    {
        var calls = new List<ParsedToolCall>(_calls.Count);
        foreach (var c in _calls)
        {
            if (c.Ended && !c.Void)
            {
                calls.Add(new ParsedToolCall(c.Id, c.Name, c.Arguments.ToString()));
            }
        }
        return new ToolCallParseResult(
            _content.Length == 0 ? null : _content.ToString(),
            _reasoning.Length == 0 ? null : _reasoning.ToString(),
            calls,
            _status,
            _errors.ToArray());
    }

    private (int Index, string Id, string Name, StringBuilder Arguments, bool Ended, bool Void) Find(int index)
    {
        for (var i = _calls.Count - 1; i >= 0; i--)
        {
            if (_calls[i].Index == index)
            {
                return _calls[i];
            }
        }
        throw new InvalidOperationException($"Arguments for tool call {index} arrived before it started.");
    }
}
