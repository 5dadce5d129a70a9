namespace Cluster.Parsers;

/// <summary>
/// An incremental parser for one choice of one generation. Feed it the model's text as it is decoded; it appends
/// <see cref="ParserEvent"/>s to the caller's list. The final result depends only on the concatenated text,
/// never on how it was split into deltas, and total work is linear in the output length.
/// Instances are not thread-safe; use one per choice.
/// </summary>
public interface IToolCallParser
{
    /// <summary>Consumes the next piece of decoded text. <paramref name="tokenIds"/> are the ids the text came from
    /// (may be empty; the built-in formats work from text alone).</summary>
    void Feed(ReadOnlySpan<char> delta, ReadOnlySpan<int> tokenIds, List<ParserEvent> events);

    /// <summary>Ends the generation: flushes held-back text and grades unterminated calls. Call exactly once.</summary>
    void Finish(List<ParserEvent> events);
}

/// <summary>Convenience overloads for <see cref="IToolCallParser"/>.</summary>
public static class ToolCallParserExtensions
{
    /// <summary>Feeds text without token ids.</summary>
    public static void Feed(this IToolCallParser parser, ReadOnlySpan<char> delta, List<ParserEvent> events) =>
        parser.Feed(delta, ReadOnlySpan<int>.Empty, events);

    /// <summary>Parses a complete output in one call (the non-streaming path).</summary>
    public static ToolCallParseResult ParseComplete(this IToolCallParser parser, string output)
    {
        var events = new List<ParserEvent>();
        parser.Feed(output, events);
        parser.Finish(events);
        return ToolCallResultBuilder.Build(events);
    }
}
