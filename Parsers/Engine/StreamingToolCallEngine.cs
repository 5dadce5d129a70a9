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
internal sealed class StreamingToolCallEngine : IToolCallParser, ICallSink
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
    private readonly StringBuilder _args = new();
    private readonly StringBuilder _released = new();
    private readonly StringBuilder _heldGap = new();
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
    private int _sectionStarted;
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
                    _failedRaw.Append(_raw, _callRawStart, _raw.Length - _callRawStart);
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

    // ---------------------------------------------------------------- text

    private void TextStep(char c)
    {
        if (_args.Length > 0)
        {
            FlushArgs();
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
            _events.Add(new ToolCallArgumentsDelta(_argsIndex, DeltaText.Of(_args)));
            _args.Clear();
        }
    }

    private void Emit(ParserEvent e)
    {
        FlushContent();
        FlushArgs();
        _events.Add(e);
    }

    // ---------------------------------------------------------------- sections

    private void BeginSection(int alternative)
    {
        _section = _spec.Sections[alternative];
        _idle = _idleMatchers[alternative];
        _idleKind = _idleKinds[alternative];
        _raw.Clear();
        _failedRaw.Clear();
        _gap.Clear();
        _committed = !_section.Speculative;
        _sectionCallsBegun = 0;
        _sectionCallsDone = 0;
        _sectionStarted = 0;
        _sectionFailed = false;
        _listOpen = false;
        _listClosed = false;
        _expectItem = false;
        _awaitCallEnd = false;
        _activeReader = _reader;
        _state = State.SectionIdle;
        if (_section.StartIsPayload)
        {
            foreach (var c in _section.Start)
            {
                Step(c);
            }
        }
        else
        {
            _raw.Append(_section.Start);
        }
    }

    /// <summary>Idle and recovery states watch for the section's markers; released text goes to <see cref="OwnerChar"/>.</summary>
    private void MatcherStep(char c)
    {
        var owner = _state;
        var idx = _idle.Push(c, _released);
        if (_released.Length > 0)
        {
            var released = _released.ToString();
            _released.Clear();
            foreach (var r in released)
            {
                if (_state == owner)
                {
                    OwnerChar(r);
                }
                else
                {
                    Step(r);
                }
            }
            if (_state != owner)
            {
                // The held text (or the marker just completed) belongs to the new context.
                Refeed(idx >= 0 ? _idle.Markers[idx] + _idle.TakeLeftover() : _idle.TakeHeld());
                return;
            }
        }
        if (idx >= 0)
        {
            if (_state == State.SectionIdle)
            {
                IdleMarker(_idleKind[idx], _idle.Markers[idx]);
            }
            else
            {
                RecoverMarker(_idleKind[idx], _idle.Markers[idx]);
            }
            Refeed(_idle.TakeLeftover());
        }
    }

    private void OwnerChar(char c)
    {
        if (_state == State.SectionIdle)
        {
            IdleChar(c);
        }
        else
        {
            RecoverChar(c);
        }
    }

    private void IdleChar(char c)
    {
        if (JsonText.IsWhitespace(c) || _spec.Call.Separators.Contains(c))
        {
            _gap.Append(c);
            return;
        }
        var list = _spec.Call.List;
        if (list is not null)
        {
            if (!_listOpen && !_listClosed && _sectionCallsBegun == 0)
            {
                if (c == list.Open)
                {
                    ConsumeGap();
                    _raw.Append(c);
                    _listOpen = true;
                    _expectItem = true;
                    _activeReader = _itemReader;
                    return;
                }
                if (!list.Optional)
                {
                    NotACall(c);
                    return;
                }
            }
            else if (_listOpen)
            {
                if (c == list.Close && (!_expectItem || _sectionCallsBegun == 0))
                {
                    ConsumeGap();
                    _raw.Append(c);
                    _listOpen = false;
                    _listClosed = true;
                    if (_section.End is null)
                    {
                        CloseSection();
                    }
                    return;
                }
                if (c == list.Separator && !_expectItem)
                {
                    ConsumeGap();
                    _raw.Append(c);
                    _expectItem = true;
                    return;
                }
                if (_expectItem && _activeReader.CanStart(c))
                {
                    _expectItem = false;
                    StartCall(c);
                    return;
                }
                NotACall(c);
                return;
            }
        }
        if (!_listClosed && _spec.Call.Start is null && _activeReader.CanStart(c)
            && (_section.MaxCalls == 0 || _sectionCallsBegun < _section.MaxCalls))
        {
            StartCall(c);
            return;
        }
        NotACall(c);
    }

    /// <summary>Text inside a section that starts no call: it ends an open-ended section, or is junk in a closed one.</summary>
    private void NotACall(char c)
    {
        if (!_committed)
        {
            RejectSection(refeed: c);
            return;
        }
        if (_section.End is null)
        {
            // An open-ended section ends here. Its trailing whitespace is held: it is content only if text follows.
            var gap = _gap.ToString();
            _gap.Clear();
            CloseSection();
            var i = 0;
            for (; i < gap.Length && JsonText.IsWhitespace(gap[i]); i++)
            {
                _heldGap.Append(gap[i]);
            }
            foreach (var g in gap.AsSpan(i))
            {
                Step(g);
            }
            Step(c);
            return;
        }
        ConsumeGap();
        _raw.Append(c);
        if (!_sectionFailed)
        {
            Emit(new ParseIssue(ParseStatus.Failed, Error(ParseErrorCodes.MalformedPayload, $"Unexpected text in a tool-call section at '{c}'.")));
        }
        _sectionFailed = true;
        _failedRaw.Append(c);
    }

    private void IdleMarker(IdleMarkerKind kind, string marker)
    {
        switch (kind)
        {
            case IdleMarkerKind.SectionEnd:
                ConsumeGap();
                _raw.Append(marker);
                if (_listOpen && _sectionCallsDone > 0)
                {
                    Emit(new ParseIssue(ParseStatus.Repaired, Error(ParseErrorCodes.MissingEndMarker, $"The list of calls was not closed with '{_spec.Call.List!.Close}'.")));
                }
                CloseSection();
                break;
            case IdleMarkerKind.CallStart:
                ConsumeGap();
                _raw.Append(marker);
                if (_section.MaxCalls > 0 && _sectionCallsBegun >= _section.MaxCalls)
                {
                    NotACallText(marker);
                    return;
                }
                BeginCall(_raw.Length - marker.Length);
                break;
            case IdleMarkerKind.CallEnd:
                ConsumeGap();
                _raw.Append(marker);
                _awaitCallEnd = false;
                break;
            case IdleMarkerKind.Ignored:
                ConsumeGap();
                _raw.Append(marker);
                break;
        }
    }

    private void NotACallText(string text)
    {
        _sectionFailed = true;
        _failedRaw.Append(text);
    }

    private void ConsumeGap()
    {
        _raw.Append(_gap);
        _gap.Clear();
    }

    private void FinishSection()
    {
        if (!_committed)
        {
            RejectSection(refeed: null);
            return;
        }
        var missingEnd = _section.End is not null || _listOpen;
        if (missingEnd)
        {
            if (_sectionCallsBegun == 0 && !_sectionFailed)
            {
                Emit(new ParseIssue(ParseStatus.Failed, Error(ParseErrorCodes.Truncated, "The output ended in a tool-call section with no call.")));
                _sectionFailed = true;
            }
            else if (_sectionCallsDone > 0)
            {
                Emit(new ParseIssue(ParseStatus.Repaired, Error(ParseErrorCodes.MissingEndMarker, $"The output ended before the section's end marker '{_section.End ?? _spec.Call.List?.Close.ToString()}'.")));
            }
        }
        // Whitespace between the last call and the end of the output is a separator, not content.
        _gap.Clear();
        CloseSection();
    }

    private void CloseSection()
    {
        if (_sectionFailed)
        {
            // With no good call the whole section is returned; otherwise only the broken calls' text.
            AppendContent(_sectionCallsDone == 0 ? _raw : _failedRaw);
        }
        _raw.Clear();
        _failedRaw.Clear();
        _state = State.Text;
    }

    /// <summary>A speculative section turned out to be plain text: release it as content.</summary>
    private void RejectSection(char? refeed)
    {
        if (refeed is not null && _raw.Length > 0 && _raw[^1] == refeed)
        {
            _raw.Length--;
        }
        ConsumeGap();
        AppendContent(_raw);
        _raw.Clear();
        _failedRaw.Clear();
        _state = State.Text;
        if (refeed is char c)
        {
            Step(c);
        }
    }

    // ---------------------------------------------------------------- calls

    private void StartCall(char first)
    {
        ConsumeGap();
        BeginCall(_raw.Length);
        CallPush(first);
    }

    private void BeginCall(int rawStart)
    {
        if (_awaitCallEnd)
        {
            Emit(new ParseIssue(ParseStatus.Repaired, Error(ParseErrorCodes.MissingEndMarker, $"A call was not closed with '{_spec.Call.End}'.")));
            _awaitCallEnd = false;
        }
        _callRawStart = rawStart;
        _name = null;
        _id = null;
        _tool = null;
        _preArgs.Clear();
        _hasArgs = false;
        _started = false;
        _pendingError = null;
        _sectionCallsBegun++;
        _activeReader.Begin(this);
        _state = State.InCall;
    }

    private void CallPush(char c)
    {
        _raw.Append(c);
        var step = _activeReader.Push(c);
        if (_pendingError is not null)
        {
            step = PayloadStep.Error;
        }
        switch (step)
        {
            case PayloadStep.Continue:
                return;
            case PayloadStep.Complete:
                CompleteCall();
                AfterCall();
                return;
            case PayloadStep.CompleteBefore:
                _raw.Length--;
                CompleteCall();
                AfterCall();
                Step(c);
                return;
            case PayloadStep.Discard:
                _raw.Clear();
                _failedRaw.Clear();
                _state = State.Text;
                return;
            case PayloadStep.CompleteAtSectionEnd:
                CompleteCall();
                if (_state == State.InCall)
                {
                    CloseSection();
                }
                return;
            default:
                FailCall(_pendingError ?? _activeReader.Error ?? Error(ParseErrorCodes.MalformedPayload, "Malformed tool call."), wholeCallConsumed: false, refeed: c);
                return;
        }
    }

    private void AfterCall()
    {
        if (_state != State.InCall)
        {
            return;
        }
        _state = State.SectionIdle;
        _awaitCallEnd = _spec.Call.End is not null;
        if (_section.End is null && !_listOpen && !_listClosed && _spec.Call.End is null
            && _section.MaxCalls > 0 && _sectionCallsBegun >= _section.MaxCalls)
        {
            CloseSection();
        }
    }

    private void CompleteCall()
    {
        if (_name is null)
        {
            FailCall(Error(ParseErrorCodes.MissingName, "The tool call has no function name."), wholeCallConsumed: true, refeed: null);
            return;
        }
        if (!_hasArgs)
        {
            FailCall(Error(ParseErrorCodes.MissingArguments, $"The call to '{_name}' has no arguments."), wholeCallConsumed: true, refeed: null);
            return;
        }
        _committed = true;
        if (!_started)
        {
            EmitStarted();
        }
        Emit(new ToolCallEnded(_callIndex));
        _sectionCallsDone++;
    }

    private void FailCall(ToolCallParseError error, bool wholeCallConsumed, char? refeed)
    {
        if (!_committed)
        {
            RejectSection(wholeCallConsumed ? null : refeed);
            return;
        }
        Emit(new ParseIssue(ParseStatus.Failed, error, _started ? _callIndex : null));
        _sectionFailed = true;
        if (wholeCallConsumed)
        {
            _failedRaw.Append(_raw, _callRawStart, _raw.Length - _callRawStart);
            _state = State.SectionIdle;
            return;
        }
        // Find where the broken call ends: re-scan its text once, then keep tracking new text.
        _depth = 0;
        _opened = false;
        _quote = '\0';
        _escape = false;
        for (var i = _callRawStart; i < _raw.Length; i++)
        {
            if (Track(_raw[i]))
            {
                _failedRaw.Append(_raw, _callRawStart, i + 1 - _callRawStart);
                var tail = _raw.ToString(i + 1, _raw.Length - i - 1);
                _raw.Length = i + 1;
                _state = State.SectionIdle;
                foreach (var t in tail)
                {
                    Step(t);
                }
                return;
            }
        }
        _state = State.Recovering;
    }

    /// <summary>Tracks brackets and strings of a broken call; true when this character closes the call's outer bracket.</summary>
    private bool Track(char c)
    {
        if (_quote != '\0')
        {
            if (_escape)
            {
                _escape = false;
            }
            else if (c == '\\')
            {
                _escape = true;
            }
            else if (c == _quote)
            {
                _quote = '\0';
            }
            return false;
        }
        switch (c)
        {
            case '"':
                _quote = c;
                return false;
            case '\'' when _singleQuoteStrings:
                _quote = c;
                return false;
            case '{' or '[' or '(':
                _depth++;
                _opened = true;
                return false;
            case '}' or ']' or ')':
                _depth--;
                return _opened && _depth == 0;
            default:
                return false;
        }
    }

    private void RecoverChar(char c)
    {
        var list = _spec.Call.List;
        if (_quote == '\0' && _depth == 0 && list is not null && _listOpen && (c == list.Separator || c == list.Close))
        {
            EndRecovery();
            IdleChar(c);
            return;
        }
        _raw.Append(c);
        if (Track(c))
        {
            EndRecovery();
        }
    }

    private void RecoverMarker(IdleMarkerKind kind, string marker)
    {
        if (kind == IdleMarkerKind.CallEnd)
        {
            _raw.Append(marker);
            EndRecovery();
            _awaitCallEnd = false;
            return;
        }
        if (kind == IdleMarkerKind.Ignored)
        {
            foreach (var c in marker)
            {
                RecoverChar(c);
            }
            return;
        }
        EndRecovery();
        IdleMarker(kind, marker);
    }

    private void EndRecovery()
    {
        _failedRaw.Append(_raw, _callRawStart, _raw.Length - _callRawStart);
        _state = State.SectionIdle;
    }

    // ---------------------------------------------------------------- ICallSink

    public void SetName(string name)
    {
        _name = name;
        _tool = Options.FindTool(name);
        if (_rejectUnknownTools && _tool is null)
        {
            _pendingError = Error(ParseErrorCodes.UnknownTool, $"The request offers no tool named '{name}'.");
            return;
        }
        if (_committed && !_started)
        {
            EmitStarted();
        }
    }

    public void SetId(string id)
    {
        if (!_started)
        {
            _id = id;
        }
    }

    public void AppendArguments(char c)
    {
        _hasArgs = true;
        if (!_started)
        {
            _preArgs.Append(c);
            return;
        }
        if (_content.Length > 0)
        {
            FlushContent();
        }
        _args.Append(c);
    }

    public void AppendArguments(ReadOnlySpan<char> text)
    {
        _hasArgs = true;
        if (!_started)
        {
            _preArgs.Append(text);
            return;
        }
        if (_content.Length > 0)
        {
            FlushContent();
        }
        _args.Append(text);
    }

    public void Repair(ToolCallParseError repair) => Emit(new ParseIssue(ParseStatus.Repaired, repair));

    public void Commit()
    {
        if (_committed)
        {
            return;
        }
        _committed = true;
        if (_name is not null && !_started && _pendingError is null)
        {
            EmitStarted();
        }
    }

    private void EmitStarted()
    {
        _callIndex = _nextIndex++;
        Emit(new ToolCallStarted(_callIndex, _id ?? _ids.Next(), _name!));
        _started = true;
        _sectionStarted++;
        _argsIndex = _callIndex;
        if (_preArgs.Length > 0)
        {
            _args.Append(_preArgs);
            _preArgs.Clear();
        }
    }

    private static ToolCallParseError Error(string code, string message) => new(code, message);
}
