using Cluster.ChatTemplates;
using Cluster.ChatTemplates.Probing;
using Cluster.Grains.Hosting;
using Cluster.Parsers;

namespace Cluster.Gateway.Tests;

/// <summary>
/// <c>--tool-call-parser auto</c> against the 89 real templates: for every template that renders tool calls, the
/// detected parser reads the template's own rendering of a call back into the same call.
/// </summary>
public sealed class ToolCallFormatDetectionTests
{
    /// <summary>End-of-turn texts of the fixtures' models (a served model takes them from its tokenizer instead).</summary>
    private static readonly string[] StopTexts =
    [
        "<|im_end|>", "<|eot_id|>", "<|eom_id|>", "</s>", "<|end|>", "<end_of_turn>", "<|END_OF_TURN_TOKEN|>", "<｜end▁of▁sentence｜>",
        "<|return|>", "<|call|>", "<|endoftext|>", "<|end_of_text|>", "<eos>", "<|eot|>", "<|eos|>", "<turn|>", "<|tool_response>", "<|user|>", "<|message_sep|>", "</assistant>", "[e~[", "<seed:eos>",
    ];

    /// <summary>
    /// Templates whose rendered calls no parser of ours reads, and why. Each is a format vLLM has no parser for either,
    /// or a template that renders arguments in a form its own model's parser would reject.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> Undetectable = new Dictionary<string, string>
    {
        ["NVIDIA-Nemotron-Nano-v2"] = "<TOOLCALL>[…]</TOOLCALL>: no vLLM parser name for this format",
        ["openbmb-MiniCPM5-1B"] = "<function name=…><param name=…>: no vLLM parser name for this format",
        ["Reka-Edge"] = "renders a new turn opener after the call that is no stop token of ours",
        ["deepseek-ai-DeepSeek-V4"] = "DeepSeek V4's DSML block: vLLM has no parser name for V4",
        ["tencent-Hy3"] = "<tool_calls:opensource> markup: no vLLM parser name for this format",
        ["upstage-Solar-Open-100B"] = "<|tool_call:begin|> markup: no vLLM parser name for this format",
        ["vllm-tool_chat_template_llama3.2_pythonic"] = "the template prints string arguments unquoted (city=Paris), which is not a Python literal",
        ["vllm-tool_chat_template_toolace"] = "the template prints string arguments unquoted (city=Paris), which is not a Python literal",
        ["vllm-tool_chat_template_phi4_mini"] = "the template prints arguments with Python repr quotes ({'city': 'Paris'}), which is not JSON",
    };

    public static TheoryData<string> Templates()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(Path.Combine(FixtureFolder.Path, "chat_templates"), "*.jinja").Order(StringComparer.Ordinal))
            data.Add(Path.GetFileNameWithoutExtension(file));
        return data;
    }

    [Theory]
    [MemberData(nameof(Templates))]
    public void The_detected_parser_reads_the_templates_own_tool_call(string name)
    {
        var template = ChatTemplate.Compile(File.ReadAllText(Path.Combine(FixtureFolder.Path, "chat_templates", name + ".jinja")));
        RenderedToolCall rendered;
        try
        {
            rendered = TemplateProbe.RenderToolCall(template);
        }
        catch (TemplateException)
        {
            return; // the template cannot render an assistant tool call at all
        }
        if (!rendered.AssistantTurn.Contains(TemplateProbe.DefaultCall.Name, StringComparison.Ordinal)) return; // it drops calls

        var detected = ToolCallFormatDetector.Detect(template, ToolCallParserRegistry.Default, StopTexts);
        if (Undetectable.TryGetValue(name, out var reason))
        {
            Assert.True(detected.Count == 0, detected.Count == 0 ? "" : $"{name} is listed as undetectable ({reason}) but {detected[0]} now reads it: remove it from the list");
            return;
        }
        Assert.True(detected.Count > 0, $"no parser reads {name}'s tool call: {rendered.AssistantTurn.Replace("\n", "\\n")}");
    }
}

/// <summary>The fixtures copied into the repository (<c>tests/Fixtures</c>).</summary>
internal static class FixtureFolder
{
    public static string Path { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Cluster.sln")))
                return System.IO.Path.Combine(dir.FullName, "tests", "Fixtures");
        throw new DirectoryNotFoundException("Cluster.sln not found above " + AppContext.BaseDirectory);
    }
}
