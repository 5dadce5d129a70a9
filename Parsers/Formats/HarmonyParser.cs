using System.Text;
using Cluster.Parsers.Engine;
using Cluster.Parsers.Payloads;

namespace Cluster.Parsers.Formats;

/// <summary>
/// OpenAI gpt-oss "Harmony" output: a sequence of messages, each a header (<c>&lt;|channel|&gt;analysis</c>,
/// <c>commentary to=functions.NAME &lt;|constrain|&gt;json</c>, <c>final</c>) then <c>&lt;|message|&gt;</c> and a body ended by
/// <c>&lt;|end|&gt;</c>, <c>&lt;|call|&gt;</c> or <c>&lt;|return|&gt;</c>. The analysis channel is reasoning, final is content, and a
/// message addressed to <c>functions.NAME</c> is a call whose body is its JSON arguments (streamed as they arrive).
/// Channels and recipients are not a fixed marker grammar, hence code rather than a spec.
/// </summary>
internal sealed class HarmonyParser : IToolCallParser
{
    private enum State : byte { Header, Body }

    private enum Channel : byte { Content, Reasoning, Call, Ignored }

    private const string Start = "<|start|>";
    private const string ChannelMarker = "<|channel|>";
    private const string Message = "<|message|>";
    private static readonly string[] BodyEnds = ["<|end|>", "<|call|>", "<|return|>", Start, ChannelMarker];

    private readonly MarkerMatcher _headerMatcher = new([Message, Start, ChannelMarker]);
    private readonly MarkerMatcher _bodyMatcher = new(BodyEnds);
    private readonly ToolCallIdGenerator _ids;
    private readonly JsonScanner _scanner = new();
    private readonly StringBuilder _header = new();
    private readonly StringBuilder _text = new();
    private readonly StringBuilder _out = new();
    private List<ParserEvent> _events = [];
    private State _state = State.Body;
    private Channel _channel = Channel.Content;
    private int _nextIndex;
    private int _callIndex;
    private bool _callComplete;
    private bool _callFailed;
    private bool _argsStarted;

    public HarmonyParser(ToolCallParserOptions options)
    {
        _ids = new ToolCallIdGenerator("openai", options.IdSeed);
    }

    public void Feed(ReadOnlySpan<char> delta, ReadOnlySpan<int> tokenIds, List<ParserEvent> events)
    {
        _events = events;
        foreach (var c in delta)
        {
            Step(c);
        }
        FlushOut();
    }

    public void Finish(List<ParserEvent> events)
    {
        _events = events;
        if (_state == State.Body)
        {
            _bodyMatcher.Flush(_text);
            BodyText();
            EndMessage(endedByCall: false);
        }
        else if (_header.Length > 0 || _headerMatcher.HeldLength > 0)
        {
            // An unfinished header carries no text the user should see.
            _headerMatcher.TakeHeld();
        }
        FlushOut();
    }

    private void Step(char c)
    {
        if (_state == State.Header)
        {
            var idx = _headerMatcher.Push(c, _header);
            if (idx == 0)
            {
                BeginBody();
            }
            else if (idx > 0)
            {
                // <|start|> and <|channel|> only add to the header.
                _header.Append(' ');
            }
            return;
        }
        var end = _bodyMatcher.Push(c, _text);
        BodyText();
        if (end < 0)
        {
            return;
        }
        EndMessage(endedByCall: end == 1);
        _state = State.Header;
        _header.Clear();
        _header.Append(end >= 3 ? " " : "");
        foreach (var r in _bodyMatcher.TakeLeftover())
        {
            Step(r);
        }
    }

    private void BeginBody()
    {
        var header = _header.ToString();
        _header.Clear();
        _state = State.Body;
        var recipient = Recipient(header);
        if (recipient is not null && recipient.StartsWith("functions.", StringComparison.Ordinal) && recipient.Length > "functions.".Length)
        {
            _channel = Channel.Call;
            _callIndex = _nextIndex++;
            _callComplete = false;
            _callFailed = false;
            _argsStarted = false;
            _scanner.Reset();
            Emit(new ToolCallStarted(_callIndex, _ids.Next(), recipient["functions.".Length..]));
            return;
        }
        var channel = ChannelName(header);
        _channel = recipient is not null ? Channel.Ignored
            : channel == "analysis" ? Channel.Reasoning
            : Channel.Content;
    }

    private void BodyText()
    {
        if (_text.Length == 0)
        {
            return;
        }
        switch (_channel)
        {
            case Channel.Call:
                for (var i = 0; i < _text.Length; i++)
                {
                    CallChar(_text[i]);
                }
                break;
            case Channel.Ignored:
                break;
            default:
                if (_out.Length > 0 && _outChannel != _channel)
                {
                    FlushOut();
                }
                _outChannel = _channel;
                _out.Append(_text);
                break;
        }
        _text.Clear();
    }

    private Channel _outChannel = Channel.Content;

    private void CallChar(char c)
    {
        if (_callFailed)
        {
            return;
        }
        if (_callComplete)
        {
            if (!JsonText.IsWhitespace(c))
            {
                FailCall("Text after the call's JSON arguments.");
            }
            return;
        }
        if (!_argsStarted && JsonText.IsWhitespace(c))
        {
            return;
        }
        _argsStarted = true;
        switch (_scanner.Push(c))
        {
            case ScanStep.Error:
            case ScanStep.CompleteBefore:
                FailCall($"Invalid JSON arguments at '{c}'.");
                return;
            case ScanStep.Complete:
                _callComplete = true;
                break;
        }
        _outChannel = Channel.Call;
        _out.Append(c);
    }

    private void FailCall(string message)
    {
        _callFailed = true;
        Emit(new ParseIssue(ParseStatus.Failed, new ToolCallParseError(ParseErrorCodes.MalformedPayload, message), _callIndex));
    }

    private void EndMessage(bool endedByCall)
    {
        if (_channel != Channel.Call)
        {
            return;
        }
        _channel = Channel.Ignored;
        // The call was announced when its header was read: it stands with the arguments streamed so far, and its
        // text never also becomes content (see ParseIssue).
        if (_callFailed)
        {
            return;
        }
        if (!_callComplete)
        {
            _callFailed = true;
            Emit(new ParseIssue(ParseStatus.Failed, new ToolCallParseError(ParseErrorCodes.Truncated, "The call's JSON arguments are incomplete."), _callIndex));
            return;
        }
        if (!endedByCall)
        {
            Emit(new ParseIssue(ParseStatus.Repaired, new ToolCallParseError(ParseErrorCodes.MissingEndMarker, "A call message did not end with <|call|>.")));
        }
        Emit(new ToolCallEnded(_callIndex));
    }

    private void Emit(ParserEvent e)
    {
        FlushOut();
        _events.Add(e);
    }

    private void FlushOut()
    {
        if (_out.Length == 0)
        {
            return;
        }
        var text = DeltaText.Of(_out);
        _out.Clear();
        _events.Add(_outChannel switch
        {
            Channel.Reasoning => new ReasoningDelta(text),
            Channel.Call => new ToolCallArgumentsDelta(_callIndex, text),
            _ => new ContentDelta(text),
        });
    }

    private static string? Recipient(string header)
    {
        var at = header.IndexOf("to=", StringComparison.Ordinal);
        if (at < 0)
        {
            return null;
        }
        var end = at + 3;
        while (end < header.Length && !char.IsWhiteSpace(header[end]) && header[end] != '<')
        {
            end++;
        }
        return header[(at + 3)..end];
    }

    private static string ChannelName(string header)
    {
        foreach (var word in header.Split([' ', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries))
        {
            if (word is "analysis" or "commentary" or "final")
            {
                return word;
            }
        }
        return "final";
    }
}
