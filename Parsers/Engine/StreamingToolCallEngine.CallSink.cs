using System.Text;
using Cluster.Parsers.Payloads;
using Cluster.Parsers.Specs;

namespace Cluster.Parsers.Engine;

/// <summary>What payload readers report: name, id and arguments, turned into events.</summary>
internal sealed partial class StreamingToolCallEngine
{
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
        _argsIndex = _callIndex;
        if (_preArgs.Length > 0)
        {
            _args.Append(_preArgs);
            _preArgs.Clear();
        }
    }

    private static ToolCallParseError Error(string code, string message) => new(code, message);
}
