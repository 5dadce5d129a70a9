using System.Text.Json.Nodes;
using Cluster.ChatTemplates.Cli;
using Cluster.Gateway.Cli;

namespace Cluster.ChatTemplates.Tests;

public sealed class RenderTemplateCliTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("render-template-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string WriteTemplate(string text)
    {
        var path = Path.Combine(_directory, "t.jinja");
        File.WriteAllText(path, text);
        return path;
    }

    private static (int Code, string Out, string Err) Run(string stdin, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = RenderTemplateCommand.Run(args, new StringReader(stdin), stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public void Renders_with_defaults_and_adds_no_newline()
    {
        var path = WriteTemplate("{{ bos_token }}{% for m in messages %}{{ m.content }}{% endfor %}{% if add_generation_prompt %}>{% endif %}{{ eos_token }}{{ custom }}");
        var (code, output, _) = Run("""{"messages": [{"role": "user", "content": "hé"}], "custom": 7}""", "--template", path);
        Assert.Equal(0, code);
        Assert.Equal("<s>hé></s>7", output);
    }

    [Fact]
    public void Honours_explicit_tokens_and_generation_prompt()
    {
        var path = WriteTemplate("{{ bos_token }}|{{ add_generation_prompt }}|{{ tools | length }}");
        var (code, output, _) = Run("""{"messages": [], "bos_token": "<B>", "add_generation_prompt": false, "tools": [{"type": "function"}]}""", "--template", path);
        Assert.Equal(0, code);
        Assert.Equal("<B>|False|1", output);
    }

    [Fact]
    public void Pins_the_clock()
    {
        var path = WriteTemplate("{{ strftime_now('%d %b %Y %H:%M') }}");
        var (_, output, _) = Run("""{"messages": []}""", "--template", path, "--now", "2026-01-15T12:00:00");
        Assert.Equal("15 Jan 2026 12:00", output);
    }

    [Fact]
    public void Raise_exception_exits_2_with_the_templates_message()
    {
        var path = WriteTemplate("{{ raise_exception('Conversation roles must alternate') }}");
        var (code, output, error) = Run("""{"messages": []}""", "--template", path);
        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.Equal("Conversation roles must alternate\n", error);
    }

    [Fact]
    public void Other_template_errors_exit_2_with_the_python_error()
    {
        var path = WriteTemplate("{{ messages[0].missing.deeper }}");
        var (code, _, error) = Run("""{"messages": [{"role": "user"}]}""", "--template", path);
        Assert.Equal(2, code);
        Assert.Equal("UndefinedError: 'dict object' has no attribute 'missing'\n", error);
    }

    [Fact]
    public void Bad_input_is_a_usage_error()
    {
        var path = WriteTemplate("x");
        Assert.Equal(1, Run("not json", "--template", path).Code);
        Assert.Equal(1, Run("{}").Code);
        Assert.Equal(1, Run("{}", "--template", path, "--bogus").Code);
    }

    [Fact]
    public void Prints_capabilities_as_json()
    {
        var path = Path.Combine(RepositoryFixtures.ChatTemplatesDirectory, "google-gemma-2-2b-it.jinja");
        var (code, output, _) = Run("", "--template", path, "--capabilities");
        Assert.Equal(0, code);
        var json = JsonNode.Parse(output)!;
        Assert.False((bool)json["supports_system_role"]!);
        Assert.NotEmpty(json["notes"]!.AsArray());
    }

    [Fact]
    public void Reproduces_a_fixture_render()
    {
        var conversations = JsonNode.Parse(File.ReadAllText(Path.Combine(RepositoryFixtures.ChatTemplatesDirectory, "conversations.json")))!.AsArray();
        var roundTrip = conversations.Single(c => (string?)c!["name"] == "tool_round_trip")!.AsObject();
        var expected = JsonNode.Parse(File.ReadAllText(Path.Combine(RepositoryFixtures.ChatTemplatesDirectory, "expected_renders.json")))!.AsArray()
            .Single(e => (string?)e!["template"] == "meta-llama-Llama-3.1-8B-Instruct.jinja" && (string?)e["conversation"] == "tool_round_trip")!;
        var request = new JsonObject { ["messages"] = roundTrip["messages"]!.DeepClone(), ["tools"] = roundTrip["tools"]!.DeepClone() };
        var (code, output, _) = Run(request.ToJsonString(), "--template",
            Path.Combine(RepositoryFixtures.ChatTemplatesDirectory, "meta-llama-Llama-3.1-8B-Instruct.jinja"), "--now=2026-01-15T12:00:00");
        Assert.Equal(0, code);
        Assert.Equal((string)expected["output"]!, output);
    }

    [Fact]
    public void Usage_text_is_public()
    {
        Assert.Contains("--template", RenderTemplateCli.Usage, StringComparison.Ordinal);
    }
}
