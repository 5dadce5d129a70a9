using System.Text;
using Cluster.Parsers.Payloads;
using Cluster.Parsers.Specs;

namespace Cluster.Parsers.Engine;

/// <summary>Sections: opening, the gaps between calls, closing, and releasing a speculative section as text.</summary>
internal sealed partial class StreamingToolCallEngine
{
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
        _sectionCallsShown = 0;
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
        Junk(c.ToString());
    }

    /// <summary>Text in a section that is neither a call nor a marker: reported once, returned as content.</summary>
    private void Junk(string text)
    {
        if (!_sectionFailed)
        {
            Emit(new ParseIssue(ParseStatus.Failed, Error(ParseErrorCodes.MalformedPayload, $"Unexpected text in a tool-call section: '{text}'.")));
        }
        _sectionFailed = true;
        _failedRaw.Append(text);
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
                    Junk(marker);
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
            // With no announced call the whole section is returned; otherwise only the text of broken calls that were
            // never announced (an announced call stands even when it failed, so its text is not content too).
            AppendContent(_sectionCallsShown == 0 ? _raw : _failedRaw);
        }
        // Whitespace right after calls only separates them from what follows: held until text proves it is content.
        _afterCalls = _sectionCallsDone > 0 && !_sectionFailed;
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
}
