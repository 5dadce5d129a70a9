using System.Text.Json.Nodes;
using Cluster.ChatTemplates.Values;

namespace Cluster.ChatTemplates.Tests;

public sealed class JsonValuesTests
{
    [Theory]
    [InlineData("1", "1")]
    [InlineData("1.0", "1.0")]
    [InlineData("1e2", "100.0")]
    [InlineData("-0.5", "-0.5")]
    [InlineData("123456789012345678901234567890", "123456789012345678901234567890")]
    public void Parsed_numbers_are_typed_like_python_json_loads(string literal, string printed)
    {
        Assert.Equal(printed, PythonFormatting.Str(JsonValues.FromJson(JsonNode.Parse(literal))));
    }

    [Fact]
    public void Numbers_built_in_code_keep_their_clr_type()
    {
        Assert.Equal(5L, JsonValues.FromJson(JsonValue.Create(5)));
        Assert.Equal(5L, JsonValues.FromJson(JsonValue.Create(5L)));
        Assert.Equal(1.0, JsonValues.FromJson(JsonValue.Create(1.0)));
        Assert.Equal(0.25, JsonValues.FromJson(JsonValue.Create(0.25f)));
    }

    [Fact]
    public void Objects_keep_key_order_and_nested_values()
    {
        var value = JsonValues.FromJson(new JsonObject { ["b"] = 1, ["a"] = new JsonArray(true, null, "x") });
        Assert.Equal("{'b': 1, 'a': [True, None, 'x']}", PythonFormatting.Repr(value));
    }

    [Fact]
    public void A_template_renders_values_built_in_code()
    {
        var text = ChatTemplate.Compile("{{ messages[0].n + 1 }} {{ messages[0].f }} {{ tools | tojson }}").Render(new ChatTemplateContext
        {
            Messages = [new JsonObject { ["n"] = 41, ["f"] = 2.0 }],
            Tools = [new JsonObject { ["min"] = 1, ["ratio"] = 0.5 }],
        });
        Assert.Equal("""42 2.0 [{"min": 1, "ratio": 0.5}]""", text);
    }
}
