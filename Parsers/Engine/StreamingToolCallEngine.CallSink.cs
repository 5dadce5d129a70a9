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
        TryAnnounce();
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
            TryAnnounce();
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
            TryAnnounce();
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
        TryAnnounce();
    }

    /// <summary>
    /// Announces the call (<see cref="ToolCallStarted"/>) once the section is certainly calls and both the name and the
    /// first character of the arguments were read. From then on the call is never retracted, even if it breaks later;
    /// waiting for the arguments to begin keeps a bare name (<c>{"name": "f"}</c>, or a call cut right after its name)
    /// unannounced, so it can still be returned as text.
    /// </summary>
    private void TryAnnounce()
    {
        if (_committed && !_started && _name is not null && _hasArgs && _pendingError is null)
        {
            EmitStarted();
        }
    }

    private void EmitStarted()
    {
        _callIndex = _nextIndex++;
        Emit(new ToolCallStarted(_callIndex, _id ?? _ids.Next(), _name!));
        _started = true;
        _sectionCallsShown++;
        _argsIndex = _callIndex;
        if (_preArgs.Length > 0)
        {
            _args.Append(_preArgs);
            _preArgs.Clear();
        }
    }

    private static ToolCallParseError Error(string code, string message) => new(code, message);
}
