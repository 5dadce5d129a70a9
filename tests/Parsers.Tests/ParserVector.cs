using System.Text.Json.Nodes;

namespace Cluster.Parsers.Tests;

/// <summary>One record of tests/Fixtures/tool_parsers/vllm_parser_vectors.json.</summary>
internal sealed record ParserVector(int Index, JsonObject Json)
{
    private static readonly Lazy<IReadOnlyList<ParserVector>> All = new(() =>
    {
        var root = JsonNode.Parse(File.ReadAllText(RepositoryFixtures.VectorsFile))!;
        return root["vectors"]!.AsArray().Select((v, i) => new ParserVector(i, v!.AsObject())).ToArray();
    });

    public static IReadOnlyList<ParserVector> Vectors => All.Value;

    public static IEnumerable<object[]> Cases => Vectors.Select(v => new object[] { v.Index, v.Label });

    public string Parser => Json["parser"]!.GetValue<string>();

    public string Output => Json["model_output"]!.GetValue<string>();

    public string Mode => Json["mode"]!.GetValue<string>();

    public JsonObject Expected => Json["expected"]!.AsObject();

    public IReadOnlyList<string> Asserted => Json["asserted_fields"]!.AsArray().Select(a => a!.GetValue<string>()).ToArray();

    public IReadOnlyList<ToolDefinition> Tools => ToolDefinition.FromOpenAiTools(Json["request_tools"]);

    public string Label => $"{Parser}: {Json["source"]!.GetValue<string>().Split("::").Last()}";
}
