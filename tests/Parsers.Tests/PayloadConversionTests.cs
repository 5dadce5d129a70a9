using System.Text.Json.Nodes;

namespace Cluster.Parsers.Tests;

/// <summary>Conversions of non-JSON payloads (Python literals, Gemma objects, schema-typed XML values) into JSON arguments.</summary>
public sealed class PayloadConversionTests
{
    private static readonly System.Text.Json.JsonSerializerOptions Compact = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static string Args(string parser, string text, ToolCallParserOptions? options = null)
    {
        var r = ToolCallParserRegistry.Default.Create(parser, options).ParseComplete(text);
        Assert.True(r.ToolCalls.Count == 1, $"{r.Status}: {string.Join("; ", r.Errors.Select(e => e.Message))}");
        // Character by character must give the same arguments.
        var streamed = ToolCallResultBuilder.Build(EventSequence.Run(ToolCallParserRegistry.Default.Create(parser, options), text, EventSequence.Chars(text)));
        Assert.Equal(r.ToolCalls[0].Arguments, streamed.ToolCalls.Single().Arguments);
        return JsonNode.Parse(r.ToolCalls[0].Arguments)!.ToJsonString(Compact);
    }

    [Theory]
    [InlineData("x=(1, 'a')", """{"x":[1,"a"]}""")]
    [InlineData("x={1, 2}", """{"x":[1,2]}""")]
    [InlineData("x={'a'}", """{"x":["a"]}""")]
    [InlineData("x={}", """{"x":{}}""")]
    [InlineData("x={1: 'one', 'k': [None, True, False]}", """{"x":{"1":"one","k":[null,true,false]}}""")]
    [InlineData("x=[1, 2,]", """{"x":[1,2]}""")]
    [InlineData("x=-0.5e3, y=+7, z=0x1F, w=1_000", """{"x":-0.5e3,"y":7,"z":31,"w":1000}""")]
    [InlineData("s='tab\\there \\u00e9 \\x41'", """{"s":"tab\there é A"}""")]
    [InlineData("s=\"it's\"", """{"s":"it's"}""")]
    [InlineData("s='a\\\\b'", """{"s":"a\\b"}""")]
    public void Python_literals_become_json(string arguments, string expected) =>
        Assert.Equal(expected, Args("pythonic", $"[f({arguments})]"));

    [Theory]
    [InlineData("x=inf_value")]
    [InlineData("x=1e400")]
    [InlineData("x=b'bytes'")]
    [InlineData("x=[1, 2")]
    [InlineData("x=1 y=2")]
    public void Invalid_python_arguments_fail_the_call(string arguments)
    {
        var r = ToolCallParserRegistry.Default.Create("lfm2").ParseComplete($"<|tool_call_start|>[f({arguments})]<|tool_call_end|>");
        Assert.Equal(ParseStatus.Failed, r.Status);
        // f was announced when its arguments began: it stands with what was converted before the failure (never valid
        // JSON), and its text is not also content.
        var call = Assert.Single(r.ToolCalls);
        Assert.Equal("f", call.Name);
        JsonAssert.TryParse(call.Arguments, out var valid);
        Assert.False(valid, call.Arguments);
        Assert.DoesNotContain("f(", r.Content ?? "");
    }

    [Fact]
    public void Gemma_objects_nest_and_functiongemma_types_quoted_scalars()
    {
        Assert.Equal("""{"a":{"b":[1,"x y"]},"c":true,"d":null}""",
            Args("gemma4", "<|tool_call>call:f{a:{b:[1,<|\"|>x y<|\"|>]},c:true,d:null}<tool_call|>"));
        Assert.Equal("""{"n":10,"f":2.5,"b":false,"s":"10 apples"}""",
            Args("functiongemma", "<start_function_call>call:f{n:<escape>10<escape>,f:<escape>2.5<escape>,b:<escape>false<escape>,s:<escape>10 apples<escape>}<end_function_call>"));
    }

    [Fact]
    public void Xml_values_follow_the_schema_and_keep_strings_verbatim()
    {
        var tools = ToolDefinition.FromOpenAiTools(JsonNode.Parse("""
            [{"type":"function","function":{"name":"f","parameters":{"type":"object","properties":{
              "i":{"type":"integer"},"n":{"type":["number","null"]},"b":{"type":"boolean"},"a":{"type":"array"},"s":{"type":"string"}}}}}]
            """));
        var options = new ToolCallParserOptions { Tools = tools };
        Assert.Equal("""{"i":-3,"n":2.5,"b":false,"a":[1,{"k":"v"}],"s":" 42 <b>\"q\"</b> "}""",
            Args("minimax_m2", "<minimax:tool_call><invoke name=\"f\"><parameter name=\"i\"> -3 </parameter><parameter name=\"n\">2.5</parameter><parameter name=\"b\">False</parameter><parameter name=\"a\">[1, {\"k\": \"v\"}]</parameter><parameter name=\"s\"> 42 <b>\"q\"</b> </parameter></invoke></minimax:tool_call>", options));
    }

    [Fact]
    public void A_value_that_does_not_fit_its_type_stays_a_string_and_is_reported()
    {
        var tools = ToolDefinition.FromOpenAiTools(JsonNode.Parse("""[{"type":"function","function":{"name":"f","parameters":{"properties":{"i":{"type":"integer"}}}}}]"""));
        var r = ToolCallParserRegistry.Default.Create("glm45", new ToolCallParserOptions { Tools = tools })
            .ParseComplete("<tool_call>f\n<arg_key>i</arg_key>\n<arg_value>many</arg_value>\n</tool_call>");
        Assert.Equal("""{"i": "many"}""", r.ToolCalls.Single().Arguments);
        Assert.Equal(ParseStatus.Repaired, r.Status);
        Assert.Equal(ParseErrorCodes.ValueKeptAsString, r.Errors.Single().Code);
    }

    [Fact]
    public void Native_and_model_supplied_ids_are_kept()
    {
        var kimi = ToolCallParserRegistry.Default.Create("kimi_k2").ParseComplete(
            "<|tool_calls_section_begin|><|tool_call_begin|>functions.search:3<|tool_call_argument_begin|>{}<|tool_call_end|><|tool_calls_section_end|>");
        Assert.Equal(("functions.search:3", "search"), (kimi.ToolCalls.Single().Id, kimi.ToolCalls.Single().Name));
        var cohere = ToolCallParserRegistry.Default.Create("cohere_command").ParseComplete(
            "<|START_ACTION|>[{\"tool_call_id\": \"7\", \"tool_name\": \"f\", \"parameters\": {}}]<|END_ACTION|>");
        Assert.Equal("7", cohere.ToolCalls.Single().Id);
    }

    [Fact]
    public void Functionary_all_channel_is_text_and_named_channels_are_calls()
    {
        var r = ToolCallParserRegistry.Default.Create("functionary_v3").ParseComplete(">>>all\nLet me look.>>>get_weather\n{\"city\": \"Paris\"}");
        Assert.Equal("Let me look.", r.Content);
        Assert.Equal("get_weather", r.ToolCalls.Single().Name);
    }
}
