namespace Cluster.Parsers.Payloads;

/// <summary>What a payload reader made of one character.</summary>
internal enum PayloadStep : byte
{
    /// <summary>Consumed; the call goes on.</summary>
    Continue,
    /// <summary>Consumed; the call is complete.</summary>
    Complete,
    /// <summary>The call was complete before this character, which the reader did not consume.</summary>
    CompleteBefore,
    /// <summary>Consumed the section's end marker, which also ended the call.</summary>
    CompleteAtSectionEnd,
    /// <summary>The text is not a valid call (see <see cref="IPayloadReader.Error"/>).</summary>
    Error,
    /// <summary>Consumed; the section is channel markup, not a call (Functionary's <c>&gt;&gt;&gt;all</c>): drop it, text follows.</summary>
    Discard,
}

/// <summary>
/// Reads one call, one character at a time, reporting what it learns to an <see cref="ICallSink"/>. A reader never
/// looks back at earlier text, which keeps parsing linear and independent of how the text was split.
/// </summary>
internal interface IPayloadReader
{
    /// <summary>True when <paramref name="c"/> can open a call of this kind.</summary>
    bool CanStart(char c);

    /// <summary>Prepares for a new call.</summary>
    void Begin(ICallSink sink);

    /// <summary>Consumes one character.</summary>
    PayloadStep Push(char c);

    /// <summary>The text ended: <see cref="PayloadStep.Complete"/> when the call is whole, else <see cref="PayloadStep.Error"/>.</summary>
    PayloadStep Finish();

    /// <summary>Why the last <see cref="PayloadStep.Error"/> happened.</summary>
    ToolCallParseError? Error { get; }
}

/// <summary>Where payload readers report a call's parts. Implemented by the engine.</summary>
internal interface ICallSink
{
    /// <summary>The request's settings (tools for schema typing).</summary>
    ToolCallParserOptions Options { get; }

    /// <summary>The complete function name.</summary>
    void SetName(string name);

    /// <summary>A model-supplied id (used if it arrives before the call is announced).</summary>
    void SetId(string id);

    /// <summary>The next characters of the arguments JSON.</summary>
    void AppendArguments(char c);

    /// <summary>The next characters of the arguments JSON.</summary>
    void AppendArguments(ReadOnlySpan<char> text);

    /// <summary>The text is certainly a call (ends the hold-back of a speculative section).</summary>
    void Commit();

    /// <summary>Records a documented repair (the result is graded <see cref="ParseStatus.Repaired"/>).</summary>
    void Repair(ToolCallParseError repair);

    /// <summary>The definition of the named function, once the name is known.</summary>
    ToolDefinition? Tool { get; }
}

/// <summary>Helpers shared by the readers that convert raw text into JSON strings.</summary>
internal static class CallSinkExtensions
{
    /// <summary>Appends one character of a JSON string's content, escaped as JSON requires.</summary>
    public static void AppendJsonStringChar(this ICallSink sink, char c)
    {
        if (Engine.JsonText.NeedsEscape(c))
        {
            sink.AppendArguments(Engine.JsonText.EscapeSequence(c));
        }
        else
        {
            sink.AppendArguments(c);
        }
    }
}
