using System.Text;
using Cluster.Parsers.Specs;

namespace Cluster.Parsers.Payloads;

/// <summary>
/// Reads Gemma's <c>call:name{key:value,…}</c>: bare keys, strings between custom quote tokens (<c>&lt;|"|&gt;</c>,
/// <c>&lt;escape&gt;</c>), nested objects and lists. Arguments stream out as JSON while converting.
/// </summary>
internal sealed class RelaxedObjectCallReader(PayloadSpec spec) : IPayloadReader
{
    private readonly LiteralToJsonConverter _converter = new(spec.StringQuotes, bareKeys: true, spec.CoerceQuotedScalars);
    private readonly StringBuilder _name = new();
    private readonly string _prefix = spec.NamePrefix ?? "";
    private ICallSink _sink = null!;
    private int _matched;
    private bool _inArgs;

    public ToolCallParseError? Error { get; private set; }

    public bool CanStart(char c) => _prefix.Length > 0 ? c == _prefix[0] : char.IsLetter(c) || c == '_';

    public void Begin(ICallSink sink)
    {
        _sink = sink;
        _name.Clear();
        _matched = 0;
        _inArgs = false;
        Error = null;
    }

    public PayloadStep Push(char c)
    {
        if (_matched < _prefix.Length)
        {
            return c == _prefix[_matched++] ? PayloadStep.Continue : Fail($"Expected '{_prefix}'.");
        }
        if (!_inArgs)
        {
            if (c != '{')
            {
                if (char.IsWhiteSpace(c) || char.IsControl(c))
                {
                    return Fail("Unexpected whitespace in the function name.");
                }
                _name.Append(c);
                return PayloadStep.Continue;
            }
            if (_name.Length == 0)
            {
                return Fail("The tool call has no function name.");
            }
            _inArgs = true;
            _sink.SetName(_name.ToString());
            _converter.BeginObject(_sink);
        }
        var step = _converter.Push(c);
        return step == PayloadStep.Error ? Fail(_converter.Error ?? "Invalid arguments.") : step;
    }

    public PayloadStep Finish() => Fail("The output ended inside the call.");

    private PayloadStep Fail(string message)
    {
        Error = new ToolCallParseError(ParseErrorCodes.MalformedPayload, message);
        return PayloadStep.Error;
    }
}
