using System.Text.Json.Nodes;
using static Cluster.ChatTemplates.Probing.SyntheticConversation;

namespace Cluster.ChatTemplates.Probing;

/// <summary>
/// The text a template renders for an assistant turn that makes tool calls. Tool-call format detection matches this
/// text against the known parsers' formats.
/// </summary>
/// <param name="AssistantTurn">The rendered assistant turn: the full render minus the prompt that precedes it.</param>
/// <param name="FullText">The whole rendered conversation.</param>
public sealed record RenderedToolCall(string AssistantTurn, string FullText);

/// <summary>Renders synthetic assistant tool calls through a template.</summary>
public static class TemplateProbe
{
    /// <summary>The user message that precedes the synthetic call.</summary>
    public const string UserQuestion = "What is the weather in Paris?";

    /// <summary>The call detection renders by default: <c>get_weather</c> with <c>{"city": "Paris"}</c>.</summary>
    public static SyntheticToolCall DefaultCall { get; } = new("get_weather", """{"city": "Paris"}""");

    /// <summary>Renders <see cref="DefaultCall"/> as one assistant turn.</summary>
    /// <exception cref="TemplateException">The template cannot render a tool call.</exception>
    public static RenderedToolCall RenderToolCall(ChatTemplate template) => RenderToolCalls(template, [DefaultCall]);

    /// <summary>
    /// Renders one assistant turn with <paramref name="calls"/> (content ""), after a user message, with the tools offered.
    /// Arguments are objects, or JSON strings for templates that only accept those. The assistant turn is what follows
    /// the longest common prefix with the same conversation rendered up to its generation prompt.
    /// </summary>
    /// <exception cref="TemplateException">The template cannot render these calls either way.</exception>
    public static RenderedToolCall RenderToolCalls(ChatTemplate template, IReadOnlyList<SyntheticToolCall> calls)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(calls);
        try
        {
            return Render(template, calls, argumentsAsString: false);
        }
        catch (TemplateException)
        {
            return Render(template, calls, argumentsAsString: true);
        }
    }

    private static RenderedToolCall Render(ChatTemplate template, IReadOnlyList<SyntheticToolCall> calls, bool argumentsAsString)
    {
        var names = calls.Select(c => c.Name).Distinct().ToArray();
        var user = Message("user", UserQuestion);
        var now = new DateTime(2026, 1, 15, 12, 0, 0);
        var prompt = template.Render(new ChatTemplateContext
        {
            Messages = [user.DeepClone()],
            Tools = Tools(names),
            AddGenerationPrompt = true,
            Now = now,
        });
        var full = template.Render(new ChatTemplateContext
        {
            Messages = [user.DeepClone(), AssistantToolCalls(calls, argumentsAsString, content: "")],
            Tools = Tools(names),
            AddGenerationPrompt = false,
            Now = now,
        });
        var common = 0;
        while (common < prompt.Length && common < full.Length && prompt[common] == full[common]) common++;
        // When the generation prompt is not a prefix of the rendered turn (it opened a block the turn does not, e.g.
        // "<think>\n" against "<tool_call>"), the texts part inside a marker: back up to the last line or tag boundary.
        if (common < prompt.Length)
            while (common > 0 && full[common - 1] is not ('\n' or '>' or ']')) common--;
        return new RenderedToolCall(full[common..], full);
    }
}
