using System.Text.Json.Nodes;

namespace Cluster.ChatTemplates.Tests;

public sealed class ChatTemplateTests
{
    [Fact]
    public void Compile_returns_the_cached_template_for_the_same_text()
    {
        var source = "{{ messages | length }} cached " + Guid.NewGuid();
        Assert.Same(ChatTemplate.Compile(source), ChatTemplate.Compile(source));
    }

    [Fact]
    public void Syntax_errors_surface_at_compile_time()
    {
        var ex = Assert.Throws<TemplateException>(() => ChatTemplate.Compile("{% for x in %}{% endfor %}"));
        Assert.Equal("TemplateSyntaxError", ex.PythonType);
    }

    [Fact]
    public void Runaway_macro_recursion_is_a_template_error()
    {
        var template = ChatTemplate.Compile("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}");
        var ex = Assert.Throws<TemplateException>(() => template.Render(new ChatTemplateContext { Messages = [] }));
        Assert.Equal("RecursionError", ex.PythonType);
    }

    [Fact]
    public void Deeply_nested_expressions_do_not_crash_the_parser()
    {
        var source = "{{ " + new string('(', 100_000) + "1" + new string(')', 100_000) + " }}";
        Assert.Throws<TemplateException>(() => ChatTemplate.Compile(source));
    }

    [Fact]
    public void Renders_concurrently()
    {
        var template = ChatTemplate.Compile("{% for m in messages %}{{ loop.index }}:{{ m.content }};{% endfor %}{{ strftime_now('%Y') }}");
        var results = Enumerable.Range(0, 64).AsParallel().Select(i => template.Render(new ChatTemplateContext
        {
            Messages = [new JsonObject { ["content"] = "m" + i }],
            Now = new DateTime(2000 + i, 1, 1),
        })).ToList();
        for (var i = 0; i < 64; i++) Assert.Contains($"1:m{i};{2000 + i}", results);
    }

    [Fact]
    public void Raise_exception_is_a_distinct_exception_type()
    {
        var template = ChatTemplate.Compile("{{ raise_exception('nope: ' ~ messages | length) }}");
        var ex = Assert.Throws<TemplateRaisedException>(() => template.Render(new ChatTemplateContext { Messages = [] }));
        Assert.Equal("nope: 0", ex.Message);
        Assert.Equal("TemplateError: nope: 0", ex.Describe());
    }

    [Fact]
    public void Extra_variables_override_defaults()
    {
        var template = ChatTemplate.Compile("{{ bos_token }}|{{ enable_thinking }}|{{ tools is defined }}");
        var text = template.Render(new ChatTemplateContext
        {
            Messages = [],
            ExtraVariables = new Dictionary<string, JsonNode?> { ["bos_token"] = "<B>", ["enable_thinking"] = false },
        });
        Assert.Equal("<B>|False|False", text);
    }
}
