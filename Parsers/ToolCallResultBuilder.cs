using System.Text;

namespace Cluster.Parsers;

/// <summary>
/// Folds a choice's <see cref="ParserEvent"/>s into the non-streaming <see cref="ToolCallParseResult"/>: exactly what a
/// client accumulating the streamed deltas has. Every started call is a call, with its concatenated argument
/// fragments, also one that failed after it started (the failure is reported in the status and errors).
/// </summary>
public sealed class ToolCallResultBuilder
{
    private readonly StringBuilder _content = new();
    private readonly StringBuilder _reasoning = new();
    private readonly List<(int Index, string Id, string Name, StringBuilder Arguments)> _calls = [];
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
                _calls.Add((s.Index, s.Id, s.Name, new StringBuilder()));
                break;
            case ToolCallArgumentsDelta a:
                Find(a.Index).Arguments.Append(a.Fragment);
                break;
            case ParseIssue issue:
                _errors.Add(issue.Error);
                if (issue.Grade > _status)
                {
                    _status = issue.Grade;
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
            calls.Add(new ParsedToolCall(c.Id, c.Name, c.Arguments.ToString()));
        }
        return new ToolCallParseResult(
            _content.Length == 0 ? null : _content.ToString(),
            _reasoning.Length == 0 ? null : _reasoning.ToString(),
            calls,
            _status,
            _errors.ToArray());
    }

    private (int Index, string Id, string Name, StringBuilder Arguments) Find(int index)
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
