using System.Text;
using Cluster.Parsers.Engine;
using Cluster.Parsers.Specs;

namespace Cluster.Parsers.Payloads;

/// <summary>
/// Reads <c>name(key=value, …)</c> with Python literal values (Llama 3.2/4 pythonic, LFM2, Olmo 3) and streams the
/// arguments as JSON while converting.
/// </summary>
internal sealed class PythonicCallReader(PayloadSpec spec) : IPayloadReader
{
    private readonly LiteralToJsonConverter _converter = new(spec.StringQuotes, bareKeys: false, spec.CoerceQuotedScalars);
    private readonly StringBuilder _name = new();
    private ICallSink _sink = null!;
    private bool _inArgs;

    public ToolCallParseError? Error { get; private set; }

    public bool CanStart(char c) => char.IsLetter(c) || c == '_';

    public void Begin(ICallSink sink)
    {
        _sink = sink;
        _name.Clear();
        _inArgs = false;
        Error = null;
    }

    public PayloadStep Push(char c)
    {
        if (!_inArgs)
        {
            if (char.IsLetterOrDigit(c) || c is '_' or '.' or '-')
            {
                _name.Append(c);
                return PayloadStep.Continue;
            }
            if (c != '(')
            {
                return Fail($"Expected '(' after the function name, got '{c}'.");
            }
            _inArgs = true;
            _sink.SetName(_name.ToString());
            _converter.BeginKeywordArguments(_sink);
            return PayloadStep.Continue;
        }
        var step = _converter.Push(c);
        if (step == PayloadStep.Error)
        {
            return Fail(_converter.Error ?? "Invalid arguments.");
        }
        if (_converter.RootMembers > 0 || step == PayloadStep.Complete)
        {
            // name(key=… or name() can only be a call.
            _sink.Commit();
        }
        return step;
    }

    public PayloadStep Finish() => Fail("The output ended inside the call.");

    private PayloadStep Fail(string message)
    {
        Error = new ToolCallParseError(ParseErrorCodes.MalformedPayload, message);
        return PayloadStep.Error;
    }
}
