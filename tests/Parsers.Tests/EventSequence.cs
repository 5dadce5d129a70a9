using System.Text;

namespace Cluster.Parsers.Tests;

/// <summary>Drives parsers through different chunkings and checks the streaming contract on the events.</summary>
internal static class EventSequence
{
    /// <summary>Feeds <paramref name="text"/> in the given pieces, then finishes; validates and returns the events.</summary>
    public static List<ParserEvent> Run(IToolCallParser parser, string text, IEnumerable<int> pieceLengths)
    {
        var events = new List<ParserEvent>();
        var pos = 0;
        foreach (var len in pieceLengths)
        {
            if (pos >= text.Length)
            {
                break;
            }
            var take = Math.Min(len, text.Length - pos);
            parser.Feed(text.AsSpan(pos, take), events);
            pos += take;
        }
        if (pos < text.Length)
        {
            parser.Feed(text.AsSpan(pos), events);
        }
        parser.Finish(events);
        Validate(events);
        return events;
    }

    public static IEnumerable<int> Chars(string text) => Enumerable.Repeat(1, text.Length);

    public static IEnumerable<int> Random(Random random, int maxPiece)
    {
        while (true)
        {
            yield return random.Next(1, maxPiece + 1);
        }
    }

    /// <summary>The OpenAI streaming contract, as events.</summary>
    public static void Validate(IReadOnlyList<ParserEvent> events)
    {
        var state = new Dictionary<int, string>();
        var args = new Dictionary<int, StringBuilder>();
        var next = 0;
        foreach (var e in events)
        {
            switch (e)
            {
                case ToolCallStarted s:
                    Assert.Equal(next, s.Index);
                    Assert.False(string.IsNullOrWhiteSpace(s.Name), "a started call carries its complete name");
                    Assert.False(string.IsNullOrEmpty(s.Id), "a started call carries its id");
                    next++;
                    state[s.Index] = "open";
                    args[s.Index] = new StringBuilder();
                    break;
                case ToolCallArgumentsDelta a:
                    Assert.True(state.TryGetValue(a.Index, out var st) && st == "open", $"arguments for call {a.Index} outside its lifetime");
                    Assert.NotEmpty(a.Fragment);
                    args[a.Index].Append(a.Fragment);
                    break;
                case ToolCallEnded end:
                    Assert.True(state.TryGetValue(end.Index, out var st2) && st2 == "open", $"call {end.Index} ended twice or never started");
                    state[end.Index] = "ended";
                    JsonAssert.TryParse(args[end.Index].ToString(), out var ok);
                    Assert.True(ok, $"call {end.Index}: concatenated arguments are not JSON: {args[end.Index]}");
                    break;
                case ParseIssue issue when issue.ToolCallIndex is int i:
                    // A failed call stands with the fragments sent so far; nothing more arrives for it.
                    Assert.True(state.TryGetValue(i, out var st3) && st3 == "open", $"failure of call {i} that is not open");
                    state[i] = "failed";
                    break;
                case ContentDelta c:
                    Assert.NotEmpty(c.Text);
                    break;
                case ReasoningDelta r:
                    Assert.NotEmpty(r.Text);
                    break;
            }
        }
        Assert.DoesNotContain("open", state.Values);
    }

    /// <summary>
    /// The event sequence with adjacent fragments of the same kind merged: chunkings may fragment text differently
    /// but must otherwise produce exactly this sequence.
    /// </summary>
    public static string Merged(IEnumerable<ParserEvent> events)
    {
        var sb = new StringBuilder();
        string? open = null;
        foreach (var e in events)
        {
            var (kind, text) = e switch
            {
                ContentDelta c => ("content", c.Text),
                ReasoningDelta r => ("reasoning", r.Text),
                ToolCallArgumentsDelta a => ($"args{a.Index}", a.Fragment),
                _ => ((string?)null, e.ToString()),
            };
            if (kind is null || kind != open)
            {
                sb.Append('\n').Append(kind ?? "event").Append(": ");
            }
            sb.Append(text);
            open = kind;
        }
        return sb.ToString();
    }

    /// <summary>A comparable digest of a result (ids excluded when generated).</summary>
    public static string Digest(ToolCallParseResult r) =>
        $"content={r.Content}|reasoning={r.Reasoning}|status={r.Status}|calls=" +
        string.Join(";", r.ToolCalls.Select(c => $"{c.Id}/{c.Name}:{Canonical(c.Arguments)}"));

    private static string Canonical(string args) =>
        JsonAssert.TryParse(args, out var ok) is { } node && ok ? node.ToJsonString() : "!" + args;
}
