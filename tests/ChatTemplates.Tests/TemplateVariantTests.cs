using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Cluster.ChatTemplates.Tests;

/// <summary>
/// Every fixture template with edge-case conversations (null content, string arguments, content parts, unicode,
/// thinking switches…): Python Jinja2's output hash or error, from MicroCases/generate_template_variants.py.
/// </summary>
public sealed class TemplateVariantTests
{
    private static readonly DateTime PinnedNow = new(2026, 1, 15, 12, 0, 0);

    private static readonly Lazy<JsonObject> Data = new(() =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "MicroCases", "template_variants.json")))!.AsObject());

    public static TheoryData<string, string> Pairs()
    {
        var data = new TheoryData<string, string>();
        foreach (var r in Data.Value["renders"]!.AsArray()) data.Add((string)r!["template"]!, (string)r["conversation"]!);
        return data;
    }

    [Theory]
    [MemberData(nameof(Pairs))]
    public void Matches_python_jinja2(string template, string conversation)
    {
        var expected = Data.Value["renders"]!.AsArray().Select(r => r!.AsObject())
            .Single(r => (string)r["template"]! == template && (string)r["conversation"]! == conversation);
        var conv = Data.Value["conversations"]!.AsArray().Select(c => c!.AsObject()).Single(c => (string)c["name"]! == conversation);
        var context = FixtureRenderTests.ContextFor(conv) with { Now = PinnedNow };
        var compiled = ChatTemplate.Compile(File.ReadAllText(Path.Combine(RepositoryFixtures.ChatTemplatesDirectory, template)));
        if (expected["error"] is JsonNode error)
        {
            var ex = Assert.ThrowsAny<TemplateException>(() => compiled.Render(context));
            Assert.Equal((string)error!, ex.Describe());
            return;
        }
        var text = compiled.Render(context);
        Assert.Equal((string)expected["sha256"]!, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text))));
    }
}
