using System.Text;
using Cluster.Parsers.Payloads;
using Cluster.Parsers.Specs;

namespace Cluster.Parsers.Engine;

/// <summary>
/// The one streaming engine behind every spec-defined format. It walks the output one character at a time through
/// a small state machine (text → section → call → section …); every decision depends only on the characters seen,
/// so results cannot depend on how the text was chunked, and no text is ever parsed twice except a failed call's
/// own text, which is re-scanned once to find where it ends.
/// </summary>
internal sealed partial class StreamingToolCallEngine : IToolCallParser, ICallSink
{
    private enum State : byte { Text, SectionIdle, InCall, Recovering }

    private enum IdleMarkerKind : byte { SectionEnd, CallStart, CallEnd, Ignored }

    private readonly ToolCallFormatSpec _spec;
    private readonly ToolCallIdGenerator _ids;
    private readonly IPayloadReader _reader;
    private readonly IPayloadReader _itemReader;
    private readonly MarkerMatcher _textMatcher;
    private readonly MarkerMatcher[] _idleMatchers;
    private readonly IdleMarkerKind[][] _idleKinds;
    private readonly bool _rejectUnknownTools;
    private readonly bool _singleQuoteStrings;

    private readonly StringBuilder _content = new();
    private readonly PendingText _args = new();
    private readonly StringBuilder _released = new();
    private readonly StringBuilder _heldGap = new();
    private bool _afterCalls;
    private int _argsIndex = -1;
    private List<ParserEvent> _events = [];
    private State _state;
    private int _nextIndex;

    // The open section.
    private SectionSpec _section = null!;
    private MarkerMatcher _idle = null!;
    private IdleMarkerKind[] _idleKind = [];
    private IPayloadReader _activeReader;
    private readonly StringBuilder _raw = new();
    private readonly StringBuilder _failedRaw = new();
    private readonly StringBuilder _gap = new();
    private bool _committed;
    private int _sectionCallsBegun;
    private int _sectionCallsDone;
    private int _sectionCallsShown;
    private bool _sectionFailed;
    private bool _listOpen;
    private bool _listClosed;
    private bool _expectItem;
    private bool _awaitCallEnd;

    // The call being read.
    private int _callRawStart;
    private string? _name;
    private string? _id;
    private ToolDefinition? _tool;
    private readonly StringBuilder _preArgs = new();
    private bool _hasArgs;
    private bool _started;
    private int _callIndex = -1;
    private ToolCallParseError? _pendingError;
    // The failed call had been announced (ToolCallStarted): it stands, and its text is never content.
    private bool _failedCallShown;

    // Recovery after a malformed call: a tolerant bracket and quote tracker finds where the call ends.
    private int _depth;
    private bool _opened;
    private char _quote;
    private bool _escape;

    public StreamingToolCallEngine(ToolCallFormatSpec spec, ToolCallParserOptions options)
    {
        _spec = spec;
        Options = options;
        _ids = new ToolCallIdGenerator(spec.IdStyle, options.IdSeed);
        _reader = PayloadReaders.Create(spec.Payload, spec);
        _itemReader = spec.Call.List?.Item is { } item ? PayloadReaders.Create(item, spec) : _reader;
        _activeReader = _reader;
        _rejectUnknownTools = (spec.RejectUnknownTools || options.RejectUnknownTools) && options.Tools.Count > 0;
        _singleQuoteStrings = spec.Payload.Kind is PayloadKinds.Pythonic;

        _textMatcher = new MarkerMatcher(spec.Sections.Select(s => s.Start));

        _idleMatchers = new MarkerMatcher[spec.Sections.Length];
        _idleKinds = new IdleMarkerKind[spec.Sections.Length][];
        for (var i = 0; i < spec.Sections.Length; i++)
        {
            var markers = new List<string>();
            var kinds = new List<IdleMarkerKind>();
            void Add(string? m, IdleMarkerKind k)
            {
                if (!string.IsNullOrEmpty(m))
                {
                    markers.Add(m);
                    kinds.Add(k);
                }
            }
            Add(spec.Sections[i].End, IdleMarkerKind.SectionEnd);
            Add(spec.Call.Start, IdleMarkerKind.CallStart);
            Add(spec.Call.End, IdleMarkerKind.CallEnd);
            foreach (var t in spec.Call.IgnoredTokens)
            {
                Add(t, IdleMarkerKind.Ignored);
            }
            _idleMatchers[i] = new MarkerMatcher(markers);
            _idleKinds[i] = kinds.ToArray();
        }
    }

    public ToolCallParserOptions Options { get; }

    public ToolDefinition? Tool => _tool;

    public void Feed(ReadOnlySpan<char> delta, ReadOnlySpan<int> tokenIds, List<ParserEvent> events)
    {
        _events = events;
        foreach (var c in delta)
        {
            Step(c);
        }
        FlushContent();
        FlushArgs();
    }

    public void Finish(List<ParserEvent> events)
    {
        _events = events;
        // Each pass either ends the section or hands held text back to an earlier state; a few passes suffice.
        for (var guard = 0; guard < 8; guard++)
        {
            switch (_state)
            {
                case State.Text:
                    var before = _content.Length;
                    _textMatcher.Flush(_content);
                    if (_heldGap.Length > 0 && _content.Length > before)
                    {
                        _content.Insert(before, _heldGap);
                    }
                    _heldGap.Clear();
                    FlushContent();
                    FlushArgs();
                    return;
                case State.SectionIdle:
                    var held = _idle.TakeHeld();
                    foreach (var c in held)
                    {
                        OwnerChar(c);
                    }
                    if (_state == State.SectionIdle)
                    {
                        FinishSection();
                    }
                    break;
                case State.InCall:
                    var step = _activeReader.Finish();
                    if (step == PayloadStep.Complete && _pendingError is null)
                    {
                        CompleteCall();
                        if (_state == State.InCall)
                        {
                            _state = State.SectionIdle;
                        }
                    }
                    else
                    {
                        FailCall(_pendingError ?? _activeReader.Error ?? Error(ParseErrorCodes.Truncated, "The output ended inside a tool call."), wholeCallConsumed: true, refeed: null);
                    }
                    break;
                case State.Recovering:
                    var rest = _idle.TakeHeld();
                    _raw.Append(rest);
                    KeepFailedCallText(_raw.Length);
                    _state = State.SectionIdle;
                    break;
            }
        }
        FlushContent();
        FlushArgs();
    }

    private void Step(char c)
    {
        switch (_state)
        {
            case State.Text:
                TextStep(c);
                break;
            case State.SectionIdle:
            case State.Recovering:
                MatcherStep(c);
                break;
            case State.InCall:
                CallPush(c);
                break;
        }
    }


    private void TextStep(char c)
    {
        if (_args.Length > 0)
        {
            FlushArgs();
        }
        if (_afterCalls)
        {
            if (JsonText.IsWhitespace(c) && _textMatcher.HeldLength == 0)
            {
                _heldGap.Append(c);
                return;
            }
            _afterCalls = false;
        }
        var before = _content.Length;
        var idx = _textMatcher.Push(c, _content);
        if (_heldGap.Length > 0 && _content.Length > before)
        {
            _content.Insert(before, _heldGap);
            _heldGap.Clear();
        }
        if (idx < 0)
        {
            return;
        }
        // Whitespace between two sections separates calls; it is not content.
        _heldGap.Clear();
        BeginSection(idx);
        Refeed(_textMatcher.TakeLeftover());
    }

    private void Refeed(string text)
    {
        foreach (var c in text)
        {
            Step(c);
        }
    }

    private void AppendContent(StringBuilder text)
    {
        if (text.Length == 0)
        {
            return;
        }
        FlushArgs();
        _content.Append(text);
    }

    private void FlushContent()
    {
        if (_content.Length > 0)
        {
            _events.Add(new ContentDelta(DeltaText.Of(_content)));
            _content.Clear();
        }
    }

    private void FlushArgs()
    {
        if (_args.Length > 0)
        {
            _events.Add(new ToolCallArgumentsDelta(_argsIndex, _args.Take()));
        }
    }

    private void Emit(ParserEvent e)
    {
        FlushContent();
        FlushArgs();
        _events.Add(e);
    }
}
