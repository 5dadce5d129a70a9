using System.Text.Json.Nodes;
using Cluster.ChatTemplates.Probing;

namespace Cluster.ChatTemplates.Tests;

public sealed class MessageNormalizerTests
{
    private static JsonArray OpenAIConversation() => JsonNode.Parse("""
        [
          {"role": "user", "content": "weather?"},
          {"role": "assistant", "content": null, "tool_calls": [
            {"id": "call_abc123", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\": \"Paris\"}"}}]},
          {"role": "tool", "tool_call_id": "call_abc123", "content": "21C"}
        ]
        """)!.AsArray();

    [Fact]
    public void Leaves_messages_alone_when_the_template_needs_nothing()
    {
        var input = OpenAIConversation();
        var output = MessageNormalizer.Normalize(input, new TemplateCapabilities());
        Assert.True(JsonNode.DeepEquals(input, output));
    }

    [Fact]
    public void Parses_string_arguments_into_objects()
    {
        var output = MessageNormalizer.Normalize(OpenAIConversation(), new TemplateCapabilities { RequiresObjectArguments = true });
        var arguments = output[1]!["tool_calls"]![0]!["function"]!["arguments"];
        Assert.IsType<JsonObject>(arguments);
        Assert.Equal("Paris", (string?)arguments!["city"]);
    }

    [Fact]
    public void Keeps_unparseable_arguments_as_text()
    {
        var input = OpenAIConversation();
        input[1]!["tool_calls"]![0]!["function"]!["arguments"] = "{not json";
        var output = MessageNormalizer.Normalize(input, new TemplateCapabilities { RequiresObjectArguments = true });
        Assert.Equal("{not json", (string?)output[1]!["tool_calls"]![0]!["function"]!["arguments"]);
    }

    [Fact]
    public void Replaces_null_content_when_required()
    {
        var output = MessageNormalizer.Normalize(OpenAIConversation(), new TemplateCapabilities { RequiresNonNullContent = true });
        Assert.Equal("", (string?)output[1]!["content"]);
    }

    [Fact]
    public void Maps_tool_call_ids_consistently_to_nine_alphanumerics()
    {
        var output = MessageNormalizer.Normalize(OpenAIConversation(), new TemplateCapabilities { RequiresNineCharacterToolCallIds = true });
        var callId = (string)output[1]!["tool_calls"]![0]!["id"]!;
        Assert.Matches("^[A-Za-z0-9]{9}$", callId);
        Assert.Equal(callId, (string?)output[2]!["tool_call_id"]);
        Assert.Equal("a1B2c3D4e", MessageNormalizer.NineCharacterId("a1B2c3D4e"));
        Assert.NotEqual(callId, MessageNormalizer.NineCharacterId("call_other"));
    }

    [Fact]
    public void Apply_lets_a_mistral_template_render_openai_ids()
    {
        var template = ChatTemplate.Compile(File.ReadAllText(Path.Combine(RepositoryFixtures.ChatTemplatesDirectory, "mistralai-Mistral-Nemo-Instruct-2407.jinja")));
        var context = new ChatTemplateContext { Messages = OpenAIConversation() };
        Assert.Throws<TemplateRaisedException>(() => template.Render(context));
        var text = template.Apply(context);
        Assert.Contains("\"arguments\": {\"city\": \"Paris\"}", text, StringComparison.Ordinal);
    }
}
