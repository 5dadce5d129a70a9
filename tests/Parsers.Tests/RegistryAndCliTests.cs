using System.Text.Json.Nodes;
using Cluster.Parsers.Cli;
using Cluster.Parsers.Specs;

namespace Cluster.Parsers.Tests;

public sealed class RegistryAndCliTests
{
    private const string CustomSpec = """
        {
          "name": "acme_json",
          "aliases": ["acme"],
          "description": "A made-up model: <<call>> JSON <</call>>.",
          "example": "<<call>>{\"fn\": \"get_weather\", \"args\": {\"city\": \"Paris\"}}<</call>>",
          "sections": [ { "start": "<<call>>", "end": "<</call>>" } ],
          "payload": { "kind": "json_object", "name_fields": ["fn"], "arguments_fields": ["args"] }
        }
        """;

    [Fact]
    public void The_issue_lists_parser_names_that_all_resolve()
    {
        string[] required =
        [
            "hermes", "mistral", "llama3_json", "llama4_json", "pythonic", "llama4_pythonic", "qwen3_coder", "glm45", "glm47",
            "deepseek_v3", "deepseek_v31", "deepseek_v32", "kimi_k2", "minimax_m2", "granite", "granite4", "granite-20b-fc",
            "internlm", "jamba", "xlam", "phi4_mini_json", "hunyuan_a13b", "seed_oss", "gemma4", "openai", "functionary_v3",
            "cohere_command", "apertus", "lfm2", "longcat", "ernie45", "step3", "olmo3", "gigachat3",
        ];
        Assert.All(required, name => Assert.True(ToolCallParserRegistry.Default.Contains(name), name));
    }

    [Fact]
    public void Every_built_in_format_parses_its_own_example()
    {
        foreach (var name in ToolCallParserRegistry.Default.Names)
        {
            var example = ToolCallParserRegistry.Default.FindSpec(name)?.Example ?? CodedFormats.All.Single(c => c.Name == name).Example;
            var r = ToolCallParserRegistry.Default.Create(name).ParseComplete(example);
            Assert.True(r.ToolsCalled && r.Status == ParseStatus.Ok, $"{name}: {r.Status} {string.Join("; ", r.Errors.Select(e => e.Message))}");
        }
    }

    [Fact]
    public void The_readme_documents_every_parser_name()
    {
        var readme = File.ReadAllText(Path.Combine(RepositoryFixtures.RepositoryRoot, "Parsers", "README.md"));
        Assert.All(ToolCallParserRegistry.Default.Names, name => Assert.Contains($"`{name}`", readme));
        Assert.All(ToolCallParserRegistry.Default.Reasoning.Names, name => Assert.Contains($"`{name}`", readme));
    }

    [Fact]
    public void A_user_spec_file_adds_a_model_without_code()
    {
        var path = Path.GetTempFileName();
        File.WriteAllText(path, CustomSpec);
        try
        {
            var registry = ToolCallParserRegistry.CreateWithBuiltIns();
            Assert.Equal("acme_json", registry.LoadSpec(path).Name);
            var r = registry.Create("acme").ParseComplete("Hi <<call>>{\"fn\": \"f\", \"args\": {\"x\": [1]}}<</call>>");
            Assert.Equal("Hi ", r.Content);
            Assert.Equal(("f", "{\"x\": [1]}"), (r.ToolCalls.Single().Name, r.ToolCalls.Single().Arguments));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("""{"name": "x", "sections": [], "payload": {"kind": "json_object"}}""", "no sections")]
    [InlineData("""{"name": "x", "sections": [{"start": "<a>"}], "payload": {"kind": "yaml"}}""", "unknown payload kind")]
    [InlineData("""{"name": "x", "sections": [{"start": "<a>"}], "payload": {"kind": "json_object"}, "typo": 1}""", "typo")]
    public void Invalid_specs_are_rejected_with_a_reason(string json, string reason)
    {
        var e = Record.Exception(() => ToolCallFormatSpec.FromJson(json));
        Assert.NotNull(e);
        Assert.Contains(reason, e.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("1")]
    [InlineData("5")]
    public void Cli_prints_the_report_for_stdin_in_any_chunk_size(string? chunkSize)
    {
        var toolsPath = Path.GetTempFileName();
        File.WriteAllText(toolsPath, """[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{"days":{"type":"integer"}}}}}]""");
        try
        {
            string[] args = chunkSize is null
                ? ["--parser", "qwen3_coder", "--tools", toolsPath]
                : ["--parser", "qwen3_coder", "--tools", toolsPath, "--chunk-size", chunkSize];
            var stdout = new StringWriter();
            var stderr = new StringWriter();
            var code = ParseToolCallsCli.Run(args, new StringReader("Checking.<tool_call>\n<function=get_weather>\n<parameter=days>\n3\n</parameter>\n</function>\n</tool_call>"), stdout, stderr);
            Assert.Equal(0, code);
            var report = JsonNode.Parse(stdout.ToString())!;
            Assert.Equal("Checking.", report["content"]!.GetValue<string>());
            Assert.Equal("ok", report["status"]!.GetValue<string>());
            Assert.Equal("get_weather", report["tool_calls"]![0]!["name"]!.GetValue<string>());
            Assert.Equal(3, report["tool_calls"]![0]!["arguments"]!["days"]!.GetValue<int>());
        }
        finally
        {
            File.Delete(toolsPath);
        }
    }

    [Fact]
    public void Cli_loads_a_spec_file_and_reports_failures()
    {
        var path = Path.GetTempFileName();
        File.WriteAllText(path, CustomSpec);
        try
        {
            var stdout = new StringWriter();
            var code = ParseToolCallsCli.Run(["--spec", path], new StringReader("<<call>>{\"fn\": \"f\", \"args\": {oops}}<</call>>"), stdout, new StringWriter());
            Assert.Equal(0, code);
            var report = JsonNode.Parse(stdout.ToString())!;
            Assert.Equal("failed", report["status"]!.GetValue<string>());
            Assert.Equal("malformed_payload", report["errors"]![0]!["code"]!.GetValue<string>());
            // The call was announced when its arguments began: it stands (arguments as far as they were valid), and its
            // text is not also content.
            Assert.Equal("f", report["tool_calls"]![0]!["name"]!.GetValue<string>());
            Assert.Null(report["content"]);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Cli_rejects_bad_arguments()
    {
        var stderr = new StringWriter();
        Assert.Equal(1, ParseToolCallsCli.Run(["--parser", "nope"], new StringReader(""), new StringWriter(), stderr));
        Assert.Contains("unknown parser", stderr.ToString());
        Assert.Equal(1, ParseToolCallsCli.Run(["--parser", "hermes", "--chunk-size", "0"], new StringReader(""), new StringWriter(), new StringWriter()));
        Assert.Equal(2, ParseToolCallsCli.Run(["--spec", "/nonexistent/spec.json"], new StringReader(""), new StringWriter(), new StringWriter()));
    }
}
