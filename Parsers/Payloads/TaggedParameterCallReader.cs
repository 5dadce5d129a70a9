using System.Text;
using Cluster.Parsers.Engine;
using Cluster.Parsers.Specs;

namespace Cluster.Parsers.Payloads;

/// <summary>
/// Reads calls whose parameters are XML-like tags with raw-text values: Qwen3-Coder <c>&lt;function=f&gt;&lt;parameter=k&gt;v…</c>,
/// MiniMax-M2 and DSML <c>&lt;invoke name="f"&gt;&lt;parameter name="k"&gt;v…</c>, GLM <c>f&lt;arg_key&gt;k&lt;/arg_key&gt;&lt;arg_value&gt;v…</c>.
/// Values are typed by the tool's JSON schema; string values stream out as they arrive, others when complete.
/// </summary>
internal sealed class TaggedParameterCallReader : IPayloadReader
{
    private enum Phase : byte { FunctionStart, Name, BetweenParameters, ParameterName, ParameterHeader, Value }

    private enum Mark : byte { NameEnd, ParameterStart, FunctionEnd, SectionEnd, ParameterNameEnd, HeaderEnd, ParameterEnd, FunctionStart }

    private sealed record Matcher(MarkerMatcher Markers, Mark[] Kinds);

    private readonly PayloadSpec _spec;
    private readonly Matcher _functionStart;
    private readonly Matcher _name;
    private readonly Matcher _between;
    private readonly Matcher _parameterName;
    private readonly Matcher _header;
    private readonly Matcher _value;
    private readonly StringBuilder _text = new();
    private readonly StringBuilder _buffer = new();
    private readonly StringBuilder _heldWhitespace = new();
    private ICallSink _sink = null!;
    private Phase _phase;
    private int _parameters;
    private string _key = "";
    private string? _type;
    private bool _streaming;
    private bool _valueStarted;
    private bool _jsonHint;
    private bool _wrapperCandidate;
    private string? _wrapped;

    /// <summary>Parameter names models wrap a whole arguments object in (DeepSeek V3.2 does).</summary>
    private static readonly string[] WrapperNames = ["arguments", "input"];

    public TaggedParameterCallReader(PayloadSpec spec, IEnumerable<string> sectionEnds)
    {
        _spec = spec;
        var ends = sectionEnds.Select(e => ((string?)e, Mark.SectionEnd)).ToArray();
        _functionStart = Build((spec.FunctionStart, Mark.FunctionStart));
        _name = Build([.. spec.NameTerminators.Select(t => ((string?)t, Mark.NameEnd)), (spec.ParameterStart, Mark.ParameterStart), (spec.FunctionEnd, Mark.FunctionEnd), .. ends]);
        _between = Build([(spec.ParameterStart, Mark.ParameterStart), (spec.FunctionEnd, Mark.FunctionEnd), .. ends]);
        _parameterName = Build((spec.ParameterNameEnd, Mark.ParameterNameEnd));
        _header = Build((spec.ParameterHeaderEnd, Mark.HeaderEnd));
        _value = Build([(spec.ParameterEnd, Mark.ParameterEnd), (spec.ParameterStart, Mark.ParameterStart), (spec.FunctionEnd, Mark.FunctionEnd), .. ends]);
    }

    public ToolCallParseError? Error { get; private set; }

    public bool CanStart(char c) =>
        _spec.FunctionStart is { Length: > 0 } start && !_spec.SkipToFunctionStart ? c == start[0] : !JsonText.IsWhitespace(c);

    public void Begin(ICallSink sink)
    {
        _sink = sink;
        _phase = _spec.FunctionStart is null ? Phase.Name : Phase.FunctionStart;
        _parameters = 0;
        _wrapperCandidate = false;
        _wrapped = null;
        _text.Clear();
        _buffer.Clear();
        foreach (var m in new[] { _functionStart, _name, _between, _parameterName, _header, _value })
        {
            m.Markers.TakeHeld();
            m.Markers.TakeLeftover();
        }
        Error = null;
    }

    public PayloadStep Push(char c)
    {
        var matcher = _phase switch
        {
            Phase.FunctionStart => _functionStart,
            Phase.Name => _name,
            Phase.BetweenParameters => _between,
            Phase.ParameterName => _parameterName,
            Phase.ParameterHeader => _header,
            _ => _value,
        };
        var idx = matcher.Markers.Push(c, _text);
        if (_text.Length > 0)
        {
            var text = _phase == Phase.Value ? null : _text.ToString();
            if (_phase == Phase.Value)
            {
                for (var i = 0; i < _text.Length; i++)
                {
                    ValueChar(_text[i]);
                }
            }
            _text.Clear();
            if (text is not null)
            {
                var step = PlainText(text);
                if (step != PayloadStep.Continue)
                {
                    return step;
                }
            }
        }
        if (idx < 0)
        {
            return PayloadStep.Continue;
        }
        var result = OnMarker(matcher.Kinds[idx]);
        var leftover = matcher.Markers.TakeLeftover();
        foreach (var l in leftover)
        {
            if (result != PayloadStep.Continue)
            {
                return Fail("Text after the end of the call.");
            }
            result = Push(l);
        }
        return result;
    }

    public PayloadStep Finish()
    {
        Error = new ToolCallParseError(ParseErrorCodes.Truncated, "The output ended inside the call.");
        return PayloadStep.Error;
    }

    private PayloadStep PlainText(string text)
    {
        switch (_phase)
        {
            case Phase.FunctionStart:
                return _spec.SkipToFunctionStart ? PayloadStep.Continue : Fail($"Expected '{_spec.FunctionStart}'.");
            case Phase.Name:
                _buffer.Append(text);
                return PayloadStep.Continue;
            case Phase.BetweenParameters:
                return string.IsNullOrWhiteSpace(text) ? PayloadStep.Continue : Fail($"Unexpected text between parameters: '{text.Trim()}'.");
            default:
                // Parameter name or header attributes.
                _buffer.Append(text);
                return PayloadStep.Continue;
        }
    }

    private PayloadStep OnMarker(Mark mark)
    {
        switch (_phase)
        {
            case Phase.FunctionStart:
                _phase = Phase.Name;
                _buffer.Clear();
                return PayloadStep.Continue;
            case Phase.Name:
                if (mark == Mark.NameEnd && string.IsNullOrWhiteSpace(_buffer.ToString()) && _spec.FunctionStart is null)
                {
                    // A line break before the name.
                    return PayloadStep.Continue;
                }
                var name = _buffer.ToString().Trim();
                _buffer.Clear();
                if (name.Length == 0)
                {
                    return Fail("The tool call has no function name.");
                }
                _sink.SetName(name);
                _sink.AppendArguments('{');
                _phase = Phase.BetweenParameters;
                return mark == Mark.NameEnd ? PayloadStep.Continue : Between(mark);
            case Phase.BetweenParameters:
                return Between(mark);
            case Phase.ParameterName:
                _key = _buffer.ToString().Trim();
                _buffer.Clear();
                if (_spec.ParameterHeaderEnd is null)
                {
                    return StartValue("");
                }
                _phase = Phase.ParameterHeader;
                return PayloadStep.Continue;
            case Phase.ParameterHeader:
                var header = _buffer.ToString();
                _buffer.Clear();
                return StartValue(header);
            default:
                EndValue();
                if (mark != Mark.ParameterEnd)
                {
                    _sink.Repair(new ToolCallParseError(ParseErrorCodes.MissingEndMarker, $"Parameter '{_key}' was not closed with '{_spec.ParameterEnd}'."));
                }
                _phase = Phase.BetweenParameters;
                return mark == Mark.ParameterEnd ? PayloadStep.Continue : Between(mark);
        }
    }

    private PayloadStep Between(Mark mark)
    {
        switch (mark)
        {
            case Mark.ParameterStart:
                _phase = Phase.ParameterName;
                _buffer.Clear();
                return PayloadStep.Continue;
            case Mark.FunctionEnd:
                CloseArguments();
                return PayloadStep.Complete;
            case Mark.SectionEnd:
                if (_spec.FunctionEnd is not null)
                {
                    _sink.Repair(new ToolCallParseError(ParseErrorCodes.MissingEndMarker, $"The function was not closed with '{_spec.FunctionEnd}'."));
                }
                CloseArguments();
                return PayloadStep.CompleteAtSectionEnd;
            default:
                return Fail("Unexpected marker.");
        }
    }

    private PayloadStep StartValue(string header)
    {
        if (_key.Length == 0)
        {
            return Fail("A parameter has no name.");
        }
        _jsonHint = _spec.JsonValueAttribute is { } attr && header.Contains(attr, StringComparison.Ordinal);
        _type = _sink.Tool?.ParameterType(_key);
        _streaming = SchemaValueConverter.IsStringType(_type) && !_jsonHint;
        _valueStarted = false;
        _heldWhitespace.Clear();
        _buffer.Clear();
        _phase = Phase.Value;
        if (_parameters == 0 && WrapperNames.Contains(_key) && _sink.Tool is { } tool && !tool.HasParameter(_key))
        {
            // Possibly the whole arguments object wrapped in one parameter: decide when the function ends.
            _wrapperCandidate = true;
            _streaming = false;
            _parameters++;
            return PayloadStep.Continue;
        }
        if (_wrapped is not null)
        {
            // Not a lone wrapper after all: it was an ordinary parameter.
            EmitKey("arguments", first: true, quoteOpen: false);
            _sink.AppendArguments(_wrapped);
            _wrapped = null;
        }
        EmitKey(_key, first: _parameters++ == 0, quoteOpen: _streaming);
        return PayloadStep.Continue;
    }

    private void EmitKey(string key, bool first, bool quoteOpen)
    {
        var prefix = new StringBuilder(key.Length + 8);
        if (!first)
        {
            prefix.Append(", ");
        }
        JsonText.AppendQuoted(prefix, key);
        prefix.Append(": ");
        if (quoteOpen)
        {
            prefix.Append('"');
        }
        _sink.AppendArguments(prefix.ToString());
    }

    private void CloseArguments()
    {
        if (_wrapped is null)
        {
            _sink.AppendArguments('}');
            return;
        }
        // The only parameter held the whole arguments object: it becomes the arguments ('{' was already sent).
        _sink.Repair(new ToolCallParseError(ParseErrorCodes.UnwrappedArguments, "The arguments were wrapped in one parameter; unwrapped."));
        _sink.AppendArguments(_wrapped.AsSpan(1));
        _wrapped = null;
    }

    private void ValueChar(char c)
    {
        if (!_streaming)
        {
            _buffer.Append(c);
            return;
        }
        switch (_spec.StringTrim)
        {
            case "newline":
                // One leading and one trailing line break belong to the markup, not the value.
                if (!_valueStarted && c == '\n')
                {
                    _valueStarted = true;
                    return;
                }
                _valueStarted = true;
                if (c == '\n')
                {
                    FlushHeld();
                    _heldWhitespace.Append(c);
                    return;
                }
                break;
            case "whitespace":
                if (JsonText.IsWhitespace(c))
                {
                    if (_valueStarted)
                    {
                        _heldWhitespace.Append(c);
                    }
                    return;
                }
                _valueStarted = true;
                break;
        }
        FlushHeld();
        _sink.AppendJsonStringChar(c);
    }

    private void FlushHeld()
    {
        for (var i = 0; i < _heldWhitespace.Length; i++)
        {
            _sink.AppendJsonStringChar(_heldWhitespace[i]);
        }
        _heldWhitespace.Clear();
    }

    private void EndValue()
    {
        if (_streaming)
        {
            _heldWhitespace.Clear();
            _sink.AppendArguments('"');
            return;
        }
        var raw = _buffer.ToString();
        _buffer.Clear();
        if (_spec.StringTrim == "newline")
        {
            raw = StripOneNewline(raw);
        }
        if (_wrapperCandidate)
        {
            _wrapperCandidate = false;
            var trimmed = raw.Trim();
            if (trimmed.StartsWith('{') && JsonSyntax.IsValue(trimmed))
            {
                _wrapped = trimmed;
                return;
            }
            EmitKey(_key, first: true, quoteOpen: false);
        }
        var json = new StringBuilder(raw.Length + 2);
        if (!SchemaValueConverter.TryConvert(raw, _type, _jsonHint, json))
        {
            _sink.Repair(new ToolCallParseError(ParseErrorCodes.ValueKeptAsString, $"Parameter '{_key}' is not a valid {_type}; kept as a string."));
        }
        _sink.AppendArguments(json.ToString());
    }

    private static string StripOneNewline(string raw)
    {
        var start = raw.StartsWith('\n') ? 1 : 0;
        var end = raw.Length > start && raw.EndsWith('\n') ? raw.Length - 1 : raw.Length;
        return raw[start..end];
    }

    private PayloadStep Fail(string message)
    {
        Error = new ToolCallParseError(ParseErrorCodes.MalformedPayload, message);
        return PayloadStep.Error;
    }

    private static Matcher Build(params (string? Marker, Mark Kind)[] items)
    {
        var present = items.Where(i => !string.IsNullOrEmpty(i.Marker)).ToArray();
        return new Matcher(new MarkerMatcher(present.Select(p => p.Marker!)), present.Select(p => p.Kind).ToArray());
    }
}
