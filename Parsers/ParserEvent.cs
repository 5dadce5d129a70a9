namespace Cluster.Parsers;

/// <summary>
/// One thing a parser learned from the model's output. A choice's events, in order, describe the whole
/// parsed message; <see cref="ToolCallResultBuilder"/> folds them into a <see cref="ToolCallParseResult"/>.
/// </summary>
public abstract record ParserEvent;

/// <summary>Plain assistant text (OpenAI <c>delta.content</c>).</summary>
public sealed record ContentDelta(string Text) : ParserEvent;

/// <summary>Reasoning text (<c>delta.reasoning_content</c>).</summary>
public sealed record ReasoningDelta(string Text) : ParserEvent;

/// <summary>
/// A tool call begins. Carries everything the first OpenAI delta of a call needs: its sequential
/// <paramref name="Index"/>, its <paramref name="Id"/> and its complete function <paramref name="Name"/>.
/// </summary>
public sealed record ToolCallStarted(int Index, string Id, string Name) : ParserEvent;

/// <summary>
/// A piece of the call's <c>arguments</c> JSON text. The fragments of one call, concatenated, are the non-streaming
/// result's arguments: a JSON document when the call ends (<see cref="ToolCallEnded"/>), a prefix of one when it failed.
/// </summary>
public sealed record ToolCallArgumentsDelta(int Index, string Fragment) : ParserEvent;

/// <summary>The call's arguments are complete.</summary>
public sealed record ToolCallEnded(int Index) : ParserEvent;

/// <summary>
/// A diagnostic: a repair the parser made (<see cref="ParseStatus.Repaired"/>) or a malformed call or section
/// (<see cref="ParseStatus.Failed"/>). When <see cref="ToolCallIndex"/> is set and the grade is failed, that
/// already started call broke (malformed, or the output ended inside it). A started call is never retracted: it
/// stands with the argument fragments sent so far (possibly not valid JSON), gets no <see cref="ToolCallEnded"/>, and
/// the rest of its raw text is dropped, never returned as content. A call that fails before it started returns its
/// raw text as content instead.
/// </summary>
public sealed record ParseIssue(ParseStatus Grade, ToolCallParseError Error, int? ToolCallIndex = null) : ParserEvent;
