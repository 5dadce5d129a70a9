using System.Text;
using Cluster.Parsers.Payloads;
using Cluster.Parsers.Specs;

namespace Cluster.Parsers.Engine;

/// <summary>Calls: starting, completing and failing one call, and finding the end of a malformed one.</summary>
internal sealed partial class StreamingToolCallEngine
{
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
        // A call already announced cannot be retracted (a client has its id and name): it stands, with the arguments
        // streamed so far, and the failure is reported. Only a call never announced returns its raw text as content.
        Emit(new ParseIssue(ParseStatus.Failed, error, _started ? _callIndex : null));
        _sectionFailed = true;
        _failedCallShown = _started;
        if (wholeCallConsumed)
        {
            KeepFailedCallText(_raw.Length);
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
                KeepFailedCallText(i + 1);
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
        KeepFailedCallText(_raw.Length);
        _state = State.SectionIdle;
    }

    /// <summary>The failed call's raw text up to <paramref name="end"/> becomes content, unless the call was announced.</summary>
    private void KeepFailedCallText(int end)
    {
        if (!_failedCallShown)
        {
            _failedRaw.Append(_raw, _callRawStart, end - _callRawStart);
        }
    }
}
