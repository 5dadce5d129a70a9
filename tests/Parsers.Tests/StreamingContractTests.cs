using System.Text;

namespace Cluster.Parsers.Tests;

/// <summary>The streaming contract of OpenAI's and vLLM's tests, and the graded outcome.</summary>
public sealed class StreamingContractTests
{
    private static IToolCallParser Create(string name, int seed = 1) =>
        ToolCallParserRegistry.Default.Create(name, new ToolCallParserOptions { IdSeed = seed });

    [Fact]
    public void Arguments_stream_while_the_call_is_still_being_generated()
    {
        var big = new string('x', 5000);
        var text = $"<tool_call>{{\"name\": \"write\", \"arguments\": {{\"text\": \"{big}\"}}}}</tool_call>";
        var parser = Create("hermes");
        var events = new List<ParserEvent>();
        var half = text.Length / 2;
        for (var i = 0; i < half; i++)
        {
            parser.Feed(text.AsSpan(i, 1), events);
        }
        var streamed = string.Concat(events.OfType<ToolCallArgumentsDelta>().Select(a => a.Fragment));
        Assert.StartsWith("{\"text\": \"xxx", streamed);
        Assert.True(streamed.Length > 2000, "arguments must be forwarded as they arrive, not at the end of the call");
    }

    [Fact]
    public void First_event_of_a_call_carries_index_id_and_full_name_then_only_fragments()
    {
        var text = "<tool_call>{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}</tool_call><tool_call>{\"name\": \"get_time\", \"arguments\": {}}</tool_call>";
        var events = EventSequence.Run(Create("hermes"), text, EventSequence.Chars(text));
        var started = events.OfType<ToolCallStarted>().ToArray();
        Assert.Equal([0, 1], started.Select(s => s.Index));
        Assert.Equal(["get_weather", "get_time"], started.Select(s => s.Name));
        Assert.All(started, s => Assert.Matches("^call_[A-Za-z0-9]{24}$", s.Id));
        var firstArgs = events.FindIndex(e => e is ToolCallArgumentsDelta);
        Assert.True(events.FindIndex(e => e is ToolCallStarted) < firstArgs);
    }

    [Fact]
    public void Two_calls_in_one_delta_are_both_reported()
    {
        var text = "<tool_call>{\"name\": \"a\", \"arguments\": {}}</tool_call><tool_call>{\"name\": \"b\", \"arguments\": {\"x\": 1}}</tool_call>";
        var events = new List<ParserEvent>();
        var parser = Create("hermes");
        parser.Feed(text, events);
        Assert.Equal(["a", "b"], events.OfType<ToolCallStarted>().Select(s => s.Name));
        Assert.Equal(2, events.OfType<ToolCallEnded>().Count());
    }

    [Fact]
    public void A_partial_marker_is_held_back_and_released_when_it_is_not_one()
    {
        var parser = Create("hermes");
        var events = new List<ParserEvent>();
        parser.Feed("Use <tool", events);
        Assert.Equal("Use ", Content(events));
        parser.Feed("s> wisely", events);
        Assert.Equal("Use <tools> wisely", Content(events));
        parser.Feed(" <tool_ca", events);
        parser.Finish(events);
        Assert.Equal("Use <tools> wisely <tool_ca", Content(events));
    }

    [Fact]
    public void Marker_text_never_leaks_into_content()
    {
        var text = "Sure.<tool_call>{\"name\": \"f\", \"arguments\": {\"q\": \"</tool_call> inside\"}}</tool_call>Done.";
        var r = ToolCallResultBuilder.Build(EventSequence.Run(Create("hermes"), text, EventSequence.Chars(text)));
        Assert.Equal("Sure.Done.", r.Content);
        Assert.Equal("{\"q\": \"</tool_call> inside\"}", r.ToolCalls.Single().Arguments);
        Assert.Equal(ParseStatus.Ok, r.Status);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(1000)]
    public void Whitespace_between_and_after_calls_is_not_content_but_text_after_them_is(int piece)
    {
        const string call = "<tool_call>\n{\"name\": \"f\", \"arguments\": {}}\n</tool_call>";
        var onlyCalls = ToolCallResultBuilder.Build(EventSequence.Run(Create("hermes"), call + "\n" + call + "\n", Enumerable.Repeat(piece, 200)));
        Assert.Null(onlyCalls.Content);
        Assert.Equal(2, onlyCalls.ToolCalls.Count);
        var withText = ToolCallResultBuilder.Build(EventSequence.Run(Create("hermes"), call + "\n\nDone.", Enumerable.Repeat(piece, 200)));
        Assert.Equal("\n\nDone.", withText.Content);
    }

    [Fact]
    public void Missing_end_marker_at_the_end_of_generation_is_repaired()
    {
        var r = Create("hermes").ParseComplete("<tool_call>\n{\"name\": \"f\", \"arguments\": {\"a\": 1}}");
        Assert.Equal(ParseStatus.Repaired, r.Status);
        Assert.Equal(ParseErrorCodes.MissingEndMarker, r.Errors.Single().Code);
        Assert.Equal("f", r.ToolCalls.Single().Name);
    }

    [Fact]
    public void A_call_that_breaks_after_it_was_announced_stands_and_its_text_is_not_content()
    {
        const string broken = "<tool_call>{\"name\": \"f\", \"arguments\": {\"a\": nope}}</tool_call>";
        var events = EventSequence.Run(Create("hermes"), "Hi " + broken + " Bye", [3, 20, 200]);
        var r = ToolCallResultBuilder.Build(events);
        Assert.Equal(ParseStatus.Failed, r.Status);
        Assert.Equal(ParseErrorCodes.MalformedPayload, r.Errors.Single().Code);
        // Name and arguments had begun, so the call was streamed: it is never retracted, and keeps what was sent.
        Assert.Equal(0, events.OfType<ParseIssue>().Single().ToolCallIndex);
        var call = r.ToolCalls.Single();
        Assert.Equal("f", call.Name);
        Assert.StartsWith("{\"a\": ", call.Arguments);
        Assert.Equal("Hi  Bye", r.Content);
    }

    [Theory]
    [InlineData("<tool_call>\n{\"name\": \"f\", \"argu")]
    [InlineData("<tool_call>\n{\"name\": \"f\"")]
    [InlineData("<tool_call>\n{\"na")]
    [InlineData("<tool_call>")]
    public void A_call_cut_before_its_arguments_begin_was_never_announced_and_is_content(string cut)
    {
        var events = EventSequence.Run(Create("hermes"), "Hi " + cut, [1, 4, 200]);
        var r = ToolCallResultBuilder.Build(events);
        Assert.Empty(r.ToolCalls);
        Assert.Equal("Hi " + cut, r.Content);
        Assert.Equal(ParseStatus.Failed, r.Status);
        Assert.Equal(ParseErrorCodes.Truncated, r.Errors.Single().Code);
    }

    [Fact]
    public void A_call_cut_inside_its_arguments_stands_with_the_truncated_arguments()
    {
        const string calls = "<tool_call>\n{\"name\": \"f\", \"arguments\": {}}\n</tool_call>\n";
        var r = ToolCallResultBuilder.Build(EventSequence.Run(Create("hermes"), calls + "<tool_call>\n{\"name\": \"g\", \"arguments\": {\"t", [5, 200]));
        Assert.Equal(["f", "g"], r.ToolCalls.Select(c => c.Name));
        Assert.Equal("{\"t", r.ToolCalls[1].Arguments);
        Assert.Null(r.Content);
        Assert.Equal(ParseStatus.Failed, r.Status);
        Assert.Equal(ParseErrorCodes.Truncated, r.Errors.Single().Code);
    }

    [Fact]
    public void A_bad_call_does_not_take_its_good_sibling_with_it()
    {
        var r = Create("pythonic").ParseComplete("[bad(x=b'z'), get_weather(city='Paris')]");
        Assert.Equal(ParseStatus.Failed, r.Status);
        // The bad call had been announced (its arguments began) before the bytes literal broke it: it stands.
        Assert.Equal(["bad", "get_weather"], r.ToolCalls.Select(c => c.Name));
        Assert.Equal("{\"city\": \"Paris\"}", r.ToolCalls[1].Arguments);
        Assert.Null(r.Content);
    }

    [Fact]
    public void Bare_json_that_is_not_a_call_stays_plain_text()
    {
        const string text = "Config: {\"port\": 8080, \"tags\": [\"a\"]} and [1, 2].";
        var r = Create("llama3_json").ParseComplete(text);
        Assert.Equal(text, r.Content);
        Assert.Equal(ParseStatus.Ok, r.Status);
        Assert.Equal(text, Create("pythonic").ParseComplete(text).Content);
    }

    [Fact]
    public void Mistral_ids_are_nine_alphanumerics_and_seeded_ids_repeat()
    {
        const string text = "[TOOL_CALLS]f{\"a\": 1}[TOOL_CALLS]g[CALL_ID]abc123XYZ[ARGS]{}";
        var first = Create("mistral", seed: 5).ParseComplete(text);
        var again = Create("mistral", seed: 5).ParseComplete(text);
        Assert.Matches("^[A-Za-z0-9]{9}$", first.ToolCalls[0].Id);
        Assert.Equal("abc123XYZ", first.ToolCalls[1].Id);
        Assert.Equal(first.ToolCalls[0].Id, again.ToolCalls[0].Id);
    }

    [Fact]
    public void Schema_types_xml_values_and_unknown_types_stay_strings()
    {
        var tools = ToolDefinition.FromOpenAiTools(System.Text.Json.Nodes.JsonNode.Parse(
            """[{"type":"function","function":{"name":"f","parameters":{"type":"object","properties":{"n":{"type":"integer"},"ok":{"type":"boolean"},"o":{"type":"object"}}}}}]"""));
        var parser = ToolCallParserRegistry.Default.Create("qwen3_coder", new ToolCallParserOptions { Tools = tools });
        var r = parser.ParseComplete("<tool_call>\n<function=f>\n<parameter=n>\n42\n</parameter>\n<parameter=ok>\nTrue\n</parameter>\n<parameter=o>\n{\"k\": [1]}\n</parameter>\n<parameter=s>\n7\n</parameter>\n</function>\n</tool_call>");
        Assert.Equal("{\"n\": 42, \"ok\": true, \"o\": {\"k\": [1]}, \"s\": \"7\"}", r.ToolCalls.Single().Arguments);
    }

    [Fact]
    public void No_input_throws_even_after_finish_state_garbage()
    {
        foreach (var name in ToolCallParserRegistry.Default.Names)
        {
            var parser = Create(name);
            var events = new List<ParserEvent>();
            parser.Feed("\0\uFFFF\uD800<|{[\"'\\", events);
            parser.Finish(events);
            EventSequence.Validate(events);
        }
    }

    private static string Content(IEnumerable<ParserEvent> events) =>
        string.Concat(events.OfType<ContentDelta>().Select(c => c.Text));
}
