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
/// A piece of the call's <c>arguments</c> JSON text. The fragments of one call, concatenated, form a JSON
/// document equal to the non-streaming result's arguments.
/// </summary>
public sealed record ToolCallArgumentsDelta(int Index, string Fragment) : ParserEvent;

/// <summary>The call's arguments are complete.</summary>
public sealed record ToolCallEnded(int Index) : ParserEvent;

/// <summary>
/// A diagnostic: a repair the parser made (<see cref="ParseStatus.Repaired"/>) or a malformed call or section
/// (<see cref="ParseStatus.Failed"/>). When <see cref="ToolCallIndex"/> is set and the grade is failed, that
/// already started call is void: it never gets a <see cref="ToolCallEnded"/> and its raw text is returned as content.
/// </summary>
public sealed record ParseIssue(ParseStatus Grade, ToolCallParseError Error, int? ToolCallIndex = null) : ParserEvent;
