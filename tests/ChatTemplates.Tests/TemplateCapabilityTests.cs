using Cluster.ChatTemplates.Probing;

namespace Cluster.ChatTemplates.Tests;

public sealed class TemplateCapabilityTests
{
    private static ChatTemplate Fixture(string name) =>
        ChatTemplate.Compile(File.ReadAllText(Path.Combine(RepositoryFixtures.ChatTemplatesDirectory, name)));

    [Fact]
    public void Qwen25_supports_everything_and_needs_object_arguments()
    {
        var caps = Fixture("Qwen-Qwen2.5-7B-Instruct.jinja").Capabilities;
        Assert.True(caps.SupportsSystemRole);
        Assert.True(caps.SupportsTools);
        Assert.True(caps.SupportsToolCalls);
        Assert.True(caps.SupportsToolResponses);
        Assert.True(caps.SupportsParallelToolCalls);
        Assert.True(caps.RequiresObjectArguments); // it pipes arguments through tojson, escaping a JSON string
        Assert.False(caps.RequiresNineCharacterToolCallIds);
    }

    [Fact]
    public void Hermes_accepts_string_arguments()
    {
        var caps = Fixture("NousResearch-Hermes-2-Pro-Llama-3-8B-tool_use.jinja").Capabilities;
        Assert.True(caps.SupportsToolCalls);
        Assert.False(caps.RequiresObjectArguments);
    }

    [Fact]
    public void Gemma2_rejects_the_system_role()
    {
        var caps = Fixture("google-gemma-2-2b-it.jinja").Capabilities;
        Assert.False(caps.SupportsSystemRole);
        Assert.Contains(caps.Notes, n => n.Contains("System role not supported", StringComparison.Ordinal));
    }

    [Fact]
    public void Llama31_refuses_parallel_calls()
    {
        var caps = Fixture("meta-llama-Llama-3.1-8B-Instruct.jinja").Capabilities;
        Assert.True(caps.SupportsToolCalls);
        Assert.False(caps.SupportsParallelToolCalls);
    }

    [Fact]
    public void Mistral_nemo_requires_nine_character_ids()
    {
        Assert.True(Fixture("mistralai-Mistral-Nemo-Instruct-2407.jinja").Capabilities.RequiresNineCharacterToolCallIds);
    }

    [Fact]
    public void Functionary_v32_takes_string_arguments()
    {
        var caps = Fixture("meetkai-functionary-medium-v3.2.jinja").Capabilities;
        Assert.True(caps.SupportsToolCalls);
        Assert.False(caps.RequiresObjectArguments);
    }

    [Fact]
    public void Glm46_requires_non_null_content()
    {
        Assert.True(Fixture("GLM-4.6.jinja").Capabilities.RequiresNonNullContent);
    }

    [Fact]
    public void Probe_renders_a_synthetic_tool_call_as_the_assistant_turn()
    {
        var sample = TemplateProbe.RenderToolCall(Fixture("Qwen-Qwen2.5-7B-Instruct.jinja"));
        Assert.Equal("<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call><|im_end|>\n", sample.AssistantTurn);
        Assert.EndsWith(sample.AssistantTurn, sample.FullText, StringComparison.Ordinal);
    }

    [Fact]
    public void Probe_renders_parallel_calls()
    {
        var sample = TemplateProbe.RenderToolCalls(Fixture("mistralai-Mistral-Nemo-Instruct-2407.jinja"),
            [new SyntheticToolCall("a", """{"x": 1}""", "AAAAAAAA1"), new SyntheticToolCall("b", """{"y": 2}""", "BBBBBBBB2")]);
        Assert.Equal("[TOOL_CALLS][{\"name\": \"a\", \"arguments\": {\"x\": 1}, \"id\": \"AAAAAAAA1\"}, {\"name\": \"b\", \"arguments\": {\"y\": 2}, \"id\": \"BBBBBBBB2\"}]</s>",
            sample.AssistantTurn);
    }

    [Fact]
    public void Probe_falls_back_to_string_arguments()
    {
        var sample = TemplateProbe.RenderToolCall(Fixture("meetkai-functionary-medium-v3.2.jinja"));
        // The generation prompt already ends with ">>>", so the turn starts at the name.
        Assert.Equal("get_weather\n{\"city\":\"Paris\"}<|eot_id|>", sample.AssistantTurn);
    }
}
