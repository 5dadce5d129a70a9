using System.Text.Json.Nodes;

namespace Cluster.ChatTemplates.Tests;

/// <summary>
/// Every real template × conversation in the shared fixtures must render exactly what Hugging Face's Jinja2 rendered,
/// or fail where it failed, with the same error.
/// </summary>
public sealed class FixtureRenderTests
{
    private static readonly DateTime PinnedNow = new(2026, 1, 15, 12, 0, 0);

    private static readonly Lazy<JsonArray> Expected = new(() =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(RepositoryFixtures.ChatTemplatesDirectory, "expected_renders.json")))!.AsArray());

    private static readonly Lazy<Dictionary<string, JsonObject>> Conversations = new(() =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(RepositoryFixtures.ChatTemplatesDirectory, "conversations.json")))!.AsArray()
            .Select(c => c!.AsObject()).ToDictionary(c => (string)c["name"]!));

    public static TheoryData<string, string> Pairs()
    {
        var data = new TheoryData<string, string>();
        foreach (var entry in Expected.Value)
            data.Add((string)entry!["template"]!, (string?)entry["conversation"] ?? "");
        return data;
    }

    /// <summary>Builds the same context the reference script passed (see render_templates.py).</summary>
    internal static ChatTemplateContext ContextFor(JsonObject conversation)
    {
        var extra = new Dictionary<string, JsonNode?>();
        if (conversation["extra"] is JsonObject extraObject)
            foreach (var kv in extraObject) extra[kv.Key] = kv.Value?.DeepClone();
        return new ChatTemplateContext
        {
            Messages = conversation["messages"]!.DeepClone().AsArray(),
            Tools = conversation["tools"]?.DeepClone().AsArray(),
            AddGenerationPrompt = (bool?)conversation["add_generation_prompt"] ?? true,
            ExtraVariables = extra,
            Now = PinnedNow,
        };
    }

    [Theory]
    [MemberData(nameof(Pairs))]
    public void Renders_as_hugging_face_does(string template, string conversation)
    {
        var expected = Expected.Value.Select(e => e!.AsObject())
            .Single(e => (string)e["template"]! == template && ((string?)e["conversation"] ?? "") == conversation);
        var source = File.ReadAllText(Path.Combine(RepositoryFixtures.ChatTemplatesDirectory, template));

        if (expected["compile_error"] is not null)
        {
            Assert.Throws<TemplateException>(() => ChatTemplate.Compile(source));
            return;
        }

        var compiled = ChatTemplate.Compile(source);
        var context = ContextFor(Conversations.Value[conversation]);
        if (expected["error"] is JsonNode error)
        {
            var ex = Assert.ThrowsAny<TemplateException>(() => compiled.Render(context));
            Assert.Equal((string)error!, ex.Describe());
        }
        else
        {
            Assert.Equal((string)expected["output"]!, compiled.Render(context));
        }
    }
}
