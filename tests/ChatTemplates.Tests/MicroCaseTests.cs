using System.Text.Json.Nodes;
using Cluster.ChatTemplates.Values;

namespace Cluster.ChatTemplates.Tests;

/// <summary>
/// Small templates, one feature each, whose expected output or error Python Jinja2 produced
/// (MicroCases/generate.py writes MicroCases/micro_cases.json; regenerate after adding cases).
/// </summary>
public sealed class MicroCaseTests
{
    private static readonly DateTime PinnedNow = new(2026, 1, 15, 12, 0, 0);

    private static readonly Lazy<Dictionary<string, JsonObject>> Cases = new(() =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "MicroCases", "micro_cases.json")))!.AsArray()
            .Select(c => c!.AsObject()).ToDictionary(c => (string)c["id"]!));

    public static TheoryData<string> Ids()
    {
        var data = new TheoryData<string>();
        foreach (var id in Cases.Value.Keys) data.Add(id);
        return data;
    }

    private static string RenderCase(JsonObject c)
    {
        var variables = new Dictionary<string, object?>();
        foreach (var kv in c["variables"]!.AsObject()) variables[kv.Key] = JsonValues.FromJson(kv.Value);
        return ChatTemplate.Compile((string)c["template"]!).Render(variables, PinnedNow);
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void Matches_python_jinja2(string id)
    {
        var c = Cases.Value[id];
        if (c["output"] is JsonNode output)
        {
            Assert.Equal((string)output!, RenderCase(c));
            return;
        }
        var expected = (string)c["error"]!;
        var ex = Assert.ThrowsAny<TemplateException>(() => RenderCase(c));
        if (expected.StartsWith("TemplateSyntaxError", StringComparison.Ordinal))
            Assert.Equal("TemplateSyntaxError", ex.PythonType); // syntax error wording is not part of the contract
        else
            Assert.Equal(expected, ex.Describe());
    }
}
