using System.Text;
using System.Text.Json;
using Cluster.Parsers.Specs;

namespace Cluster.Parsers.Payloads;

/// <summary>
/// Reads a call written as one JSON object, <c>{"name": …, "arguments": {…}}</c> (field names from the spec), or
/// <c>{"NAME": {…}}</c> when the spec says the object is name-keyed. The arguments member's raw text streams out as
/// it arrives; only short members (name, id) are captured.
/// </summary>
internal sealed class JsonObjectCallReader(PayloadSpec spec) : IPayloadReader
{
    private enum Field : byte { None, Name, Arguments, Id, Other }

    private readonly JsonScanner _scanner = new();
    private readonly StringBuilder _key = new();
    private readonly StringBuilder _capture = new();
    private ICallSink _sink = null!;
    private Field _field;
    private bool _inKey;
    private bool _inValue;
    private bool _argsAsString;
    private bool _hasName;
    private bool _hasArgs;
    private int _members;

    public ToolCallParseError? Error { get; private set; }

    public bool CanStart(char c) => c == '{';

    public void Begin(ICallSink sink)
    {
        _sink = sink;
        _scanner.Reset();
        _key.Clear();
        _capture.Clear();
        _field = Field.None;
        _inKey = false;
        _inValue = false;
        _hasName = false;
        _hasArgs = false;
        _members = 0;
        Error = null;
    }

    public PayloadStep Push(char c)
    {
        var step = _scanner.Push(c);
        if (step == ScanStep.Error)
        {
            return Fail($"Invalid JSON at '{c}'.");
        }
        if (_scanner.StartedLevel == 0 && c != '{')
        {
            return Fail("A tool call must be a JSON object.");
        }
        if (_scanner.KeyStarted && _scanner.Depth == 1)
        {
            _inKey = true;
            _key.Clear();
            return PayloadStep.Continue;
        }
        if (_inKey)
        {
            if (!_scanner.KeyEnded)
            {
                _key.Append(c);
                return PayloadStep.Continue;
            }
            _inKey = false;
            return KeyDone();
        }
        if (_scanner.StartedLevel == 1)
        {
            _inValue = true;
            if (_field == Field.Arguments)
            {
                _argsAsString = c == '"';
                _hasArgs = true;
                if (_hasName)
                {
                    _sink.Commit();
                }
            }
        }
        if (_inValue)
        {
            var endedBefore = _scanner.EndedBeforeLevel == 1;
            if (!endedBefore)
            {
                Take(c);
            }
            if (endedBefore || _scanner.EndedLevel == 1)
            {
                _inValue = false;
                var result = ValueDone();
                if (result != PayloadStep.Continue)
                {
                    return result;
                }
            }
        }
        return step == ScanStep.Complete ? PayloadStep.Complete : PayloadStep.Continue;
    }

    public PayloadStep Finish()
    {
        Error = new ToolCallParseError(ParseErrorCodes.Truncated, "The output ended inside the call's JSON.");
        return PayloadStep.Error;
    }

    private PayloadStep KeyDone()
    {
        _members++;
        var key = _key.ToString();
        _capture.Clear();
        if (spec.NameKeyed)
        {
            if (_members > 1)
            {
                return Fail("A name-keyed call object must have exactly one member.");
            }
            _field = Field.Arguments;
            _hasName = true;
            _sink.SetName(Decode(key));
            return PayloadStep.Continue;
        }
        _field = spec.NameFields.Contains(key) ? Field.Name
            : spec.ArgumentsFields.Contains(key) ? Field.Arguments
            : spec.IdFields.Contains(key) ? Field.Id
            : Field.Other;
        if ((_field == Field.Name && _hasName) || (_field == Field.Arguments && _hasArgs))
        {
            return Fail($"Duplicate member '{key}'.");
        }
        return PayloadStep.Continue;
    }

    private void Take(char c)
    {
        switch (_field)
        {
            case Field.Arguments when !_argsAsString:
                _sink.AppendArguments(c);
                break;
            case Field.Arguments:
            case Field.Name:
            case Field.Id:
                _capture.Append(c);
                break;
        }
    }

    private PayloadStep ValueDone()
    {
        switch (_field)
        {
            case Field.Name:
                if (_capture.Length == 0 || _capture[0] != '"')
                {
                    return Fail("The function name must be a string.");
                }
                var name = Decode(_capture.ToString());
                if (string.IsNullOrWhiteSpace(name))
                {
                    return Fail("The function name is empty.");
                }
                _hasName = true;
                _sink.SetName(name);
                if (_hasArgs)
                {
                    _sink.Commit();
                }
                break;
            case Field.Id:
                var raw = _capture.ToString();
                _sink.SetId(raw.StartsWith('"') ? Decode(raw) : raw);
                break;
            case Field.Arguments when _argsAsString:
                // Arguments serialized as a JSON string: use the decoded JSON unless it is not JSON at all.
                var literal = _capture.ToString();
                var decoded = Decode(literal);
                _sink.AppendArguments(JsonSyntax.IsContainer(decoded) ? decoded : literal);
                break;
        }
        return PayloadStep.Continue;
    }

    private PayloadStep Fail(string message)
    {
        Error = new ToolCallParseError(ParseErrorCodes.MalformedPayload, message);
        return PayloadStep.Error;
    }

    private static string Decode(string jsonString)
    {
        try
        {
            return JsonSerializer.Deserialize<string>(jsonString.StartsWith('"') ? jsonString : "\"" + jsonString + "\"") ?? "";
        }
        catch (JsonException)
        {
            return jsonString;
        }
    }
}
