using System.Text;
using Cluster.Parsers.Engine;
using Cluster.Parsers.Specs;

namespace Cluster.Parsers.Payloads;

/// <summary>
/// Reads a call written as a bare function name (optionally after a prefix, optionally followed by an id) and then a
/// JSON arguments object: Mistral v11 <c>name[CALL_ID]id[ARGS]{…}</c>, DeepSeek <c>name&lt;｜tool▁sep｜&gt;{…}</c>,
/// Kimi <c>functions.name:0&lt;|tool_call_argument_begin|&gt;{…}</c>. Arguments stream out as they arrive.
/// </summary>
internal sealed class NameThenJsonCallReader : IPayloadReader
{
    private enum Phase : byte { Prefix, Name, AfterName, Id, BeforeArgs, ArgsPrefix, Args }

    private readonly PayloadSpec _spec;
    private readonly MarkerMatcher _nameEnd;
    private readonly int _idMarker;
    private readonly int _argsMarker;
    private readonly JsonScanner _scanner = new();
    private readonly StringBuilder _name = new();
    private readonly StringBuilder _id = new();
    private readonly StringBuilder _text = new();
    private ICallSink _sink = null!;
    private Phase _phase;
    private int _matched;
    private bool _prefixDone;

    public NameThenJsonCallReader(PayloadSpec spec)
    {
        _spec = spec;
        var markers = new List<string>(spec.NameTerminators);
        _idMarker = spec.IdMarker is null ? -1 : markers.Count;
        if (spec.IdMarker is not null)
        {
            markers.Add(spec.IdMarker);
        }
        _argsMarker = spec.ArgumentsMarker is null ? -1 : markers.Count;
        if (spec.ArgumentsMarker is not null)
        {
            markers.Add(spec.ArgumentsMarker);
        }
        if (!markers.Contains("{"))
        {
            markers.Add("{");
        }
        _nameEnd = new MarkerMatcher(markers);
    }

    public ToolCallParseError? Error { get; private set; }

    public bool CanStart(char c) => _spec.NamePrefix is { Length: > 0 } p ? c == p[0] : IsNameChar(c);

    public void Begin(ICallSink sink)
    {
        _sink = sink;
        _phase = string.IsNullOrEmpty(_spec.NamePrefix) ? Phase.Name : Phase.Prefix;
        _matched = 0;
        _prefixDone = false;
        _name.Clear();
        _id.Clear();
        _nameEnd.TakeHeld();
        _scanner.Reset();
        Error = null;
    }

    public PayloadStep Push(char c)
    {
        switch (_phase)
        {
            case Phase.Prefix:
                if (_matched == 0 && JsonText.IsWhitespace(c))
                {
                    return PayloadStep.Continue;
                }
                if (c != _spec.NamePrefix![_matched])
                {
                    return Fail($"Expected '{_spec.NamePrefix}'.");
                }
                if (++_matched == _spec.NamePrefix.Length)
                {
                    _phase = Phase.Name;
                }
                return PayloadStep.Continue;
            case Phase.Name:
            case Phase.AfterName:
            case Phase.Id:
                return NamePush(c);
            case Phase.BeforeArgs:
                if (JsonText.IsWhitespace(c))
                {
                    return PayloadStep.Continue;
                }
                if (!_prefixDone && _spec.ArgumentsPrefix is { Length: > 0 } prefix && c == prefix[0])
                {
                    _matched = 1;
                    _phase = Phase.ArgsPrefix;
                    return _matched == prefix.Length ? ToBeforeArgs() : PayloadStep.Continue;
                }
                return StartArgs(c);
            case Phase.ArgsPrefix:
                if (c != _spec.ArgumentsPrefix![_matched])
                {
                    return Fail($"Expected '{_spec.ArgumentsPrefix}'.");
                }
                return ++_matched == _spec.ArgumentsPrefix.Length ? ToBeforeArgs() : PayloadStep.Continue;
            default:
                return ArgsPush(c);
        }
    }

    public PayloadStep Finish()
    {
        Error = new ToolCallParseError(
            _phase == Phase.Args ? ParseErrorCodes.Truncated : ParseErrorCodes.MissingArguments,
            _phase == Phase.Args ? "The output ended inside the call's arguments." : "The output ended before the call's arguments.");
        return PayloadStep.Error;
    }

    private PayloadStep ToBeforeArgs()
    {
        // The fence (or other prefix) is read; only whitespace may come before the JSON now.
        _phase = Phase.BeforeArgs;
        _prefixDone = true;
        return PayloadStep.Continue;
    }

    private PayloadStep NamePush(char c)
    {
        var idx = _nameEnd.Push(c, _text);
        for (var i = 0; i < _text.Length; i++)
        {
            var t = _text[i];
            if (_phase == Phase.Id)
            {
                _id.Append(t);
                continue;
            }
            if (JsonText.IsWhitespace(t))
            {
                if (_name.Length > 0)
                {
                    _phase = Phase.AfterName;
                }
                continue;
            }
            if (_phase == Phase.AfterName || !IsNameChar(t))
            {
                _text.Clear();
                return Fail($"Unexpected '{t}' in a function name.");
            }
            _name.Append(t);
        }
        _text.Clear();
        if (idx < 0)
        {
            return PayloadStep.Continue;
        }
        var marker = _nameEnd.Markers[idx];
        if (idx == _idMarker && _phase != Phase.Id)
        {
            _phase = Phase.Id;
            return PayloadStep.Continue;
        }
        var announce = AnnounceName();
        if (announce != PayloadStep.Continue)
        {
            return announce;
        }
        if (marker == "{")
        {
            return StartArgs('{');
        }
        _phase = Phase.BeforeArgs;
        _matched = 0;
        return PayloadStep.Continue;
    }

    private PayloadStep AnnounceName()
    {
        var name = _name.ToString();
        if (name.Length == 0)
        {
            return Fail("The tool call has no function name.");
        }
        if (_spec.ContentNames.Contains(name))
        {
            return PayloadStep.Discard;
        }
        if (_id.Length > 0)
        {
            _sink.SetId(_id.ToString().Trim());
        }
        if (_spec.NameFromIdPrefix is { } prefix)
        {
            // Native ids look like "functions.get_weather:0": the id is kept, the name is the middle part.
            var colon = name.LastIndexOf(':');
            if (colon <= 0 || colon == name.Length - 1 || name.AsSpan(colon + 1).ContainsAnyExceptInRange('0', '9'))
            {
                Error = new ToolCallParseError(ParseErrorCodes.InvalidId, $"'{name}' is not a call id of the form {prefix}NAME:INDEX.");
                return PayloadStep.Error;
            }
            _sink.SetId(name);
            var start = name.StartsWith(prefix, StringComparison.Ordinal) ? prefix.Length : 0;
            name = name[start..colon];
        }
        _sink.SetName(name);
        return PayloadStep.Continue;
    }

    private PayloadStep StartArgs(char c)
    {
        if (c != '{')
        {
            return Fail("The arguments must be a JSON object.");
        }
        _phase = Phase.Args;
        return ArgsPush(c);
    }

    private PayloadStep ArgsPush(char c)
    {
        var step = _scanner.Push(c);
        switch (step)
        {
            case ScanStep.Error:
                return Fail($"Invalid JSON in the arguments at '{c}'.");
            case ScanStep.Complete:
                _sink.AppendArguments(c);
                return PayloadStep.Complete;
            default:
                _sink.AppendArguments(c);
                return PayloadStep.Continue;
        }
    }

    private PayloadStep Fail(string message)
    {
        Error = new ToolCallParseError(ParseErrorCodes.MalformedPayload, message);
        return PayloadStep.Error;
    }

    /// <summary>Characters a function name (or native id) may contain.</summary>
    internal static bool IsNameChar(char c) => char.IsLetterOrDigit(c) || c is '_' or '-' or '.' or ':' or '/';
}
