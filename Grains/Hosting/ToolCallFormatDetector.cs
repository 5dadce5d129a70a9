using System.Text.Json.Nodes;
using Cluster.ChatTemplates;
using Cluster.ChatTemplates.Probing;
using Cluster.Parsers;

namespace Cluster.Grains.Hosting;

/// <summary>
/// Finds the tool-call parser that fits a chat template (<c>--tool-call-parser auto</c>): the template renders a
/// synthetic assistant call, and a parser fits when it reads that rendering back as the same call. Several
/// parsers can read one format (Hermes-style <c>&lt;tool_call&gt;</c> JSON is shared); the most specific
/// family wins, by the order of <see cref="Preference"/>, then by name.
/// </summary>
public static class ToolCallFormatDetector
{
    /// <summary>Families tried first, most widely used first; the rest follow alphabetically.</summary>
    public static readonly IReadOnlyList<string> Preference =
        ["hermes", "qwen3_coder", "mistral", "llama3_json", "pythonic", "llama4_pythonic", "deepseek_v31", "deepseek_v3", "kimi_k2", "glm45", "minimax_m2", "granite", "openai"];

    /// <summary>The parsers that read the template's own rendering of a call back into that call, best first.</summary>
    /// <param name="stopTexts">The texts of the model's end-of-sequence tokens: generation stops there, so a parser
    /// never sees what the template renders after them (the next turn's markup).</param>
    /// <exception cref="TemplateException">The template cannot render tool calls.</exception>
    public static IReadOnlyList<string> Detect(ChatTemplate template, ToolCallParserRegistry registry, IEnumerable<string> stopTexts)
    {
        var call = TemplateProbe.DefaultCall;
        var rendered = TemplateProbe.RenderToolCall(template);
        var tools = ToolDefinition.FromOpenAiTools(new JsonArray(new JsonObject
        {
            ["type"] = "function",
            ["function"] = new JsonObject
            {
                ["name"] = call.Name,
                ["parameters"] = JsonNode.Parse("""{"type":"object","properties":{"city":{"type":"string"}}}"""),
            },
        }));
        var stops = stopTexts.ToArray();
        var fits = Fitting(registry, GeneratedPart(rendered.AssistantTurn, stops), call, tools, allowLeading: false);
        if (fits.Count == 0)
        {
            // Some templates render the turn before a tool call differently (Mistral moves the tool list next to the
            // last user message), so the turn cannot be cut cleanly: read from the user's question on, and accept a
            // parser that finds the call after leftover prompt markup, the least leftover first.
            int question = rendered.FullText.LastIndexOf(TemplateProbe.UserQuestion, StringComparison.Ordinal);
            if (question >= 0)
                fits = Fitting(registry, GeneratedPart(rendered.FullText[(question + TemplateProbe.UserQuestion.Length)..], stops), call, tools, allowLeading: true);
        }
        return fits;
    }

    /// <summary>
    /// Parsers that read exactly the synthetic call from <paramref name="turn"/> with nothing but whitespace after it;
    /// text before the call is tolerated only when <paramref name="allowLeading"/> (then less of it ranks first).
    /// </summary>
    private static List<string> Fitting(ToolCallParserRegistry registry, string turn, SyntheticToolCall call, IReadOnlyList<ToolDefinition> tools, bool allowLeading)
    {
        var expected = JsonNode.Parse(call.ArgumentsJson);
        var fits = new List<(string Name, int Leading)>();
        var events = new List<ParserEvent>();
        foreach (var name in registry.Names)
        {
            events.Clear();
            try
            {
                var parser = registry.Create(name, new ToolCallParserOptions { Tools = tools, IdSeed = 0 });
                parser.Feed(turn, events);
                parser.Finish(events);
            }
            catch (Exception)
            {
                continue; // a parser that cannot even read the text does not fit it
            }
            var result = ToolCallResultBuilder.Build(events);
            // A failed parse can still hold an announced call with broken arguments: it does not read the template's call.
            if (result.Status == ParseStatus.Failed || result.ToolCalls.Count != 1 || result.ToolCalls[0].Name != call.Name
                || !JsonNode.DeepEquals(JsonNode.Parse(result.ToolCalls[0].Arguments), expected))
                continue;
            int started = events.FindIndex(e => e is ToolCallStarted);
            string before = string.Concat(events.Take(started).OfType<ContentDelta>().Select(c => c.Text));
            string after = string.Concat(events.Skip(started).OfType<ContentDelta>().Select(c => c.Text));
            if (!string.IsNullOrWhiteSpace(after) || (!allowLeading && !string.IsNullOrWhiteSpace(before))) continue;
            fits.Add((name, before.Trim().Length));
        }
        return fits.OrderBy(f => f.Leading).ThenBy(f => Preference.IndexOf(f.Name) is int i and >= 0 ? i : int.MaxValue)
            .ThenBy(f => f.Name, StringComparer.Ordinal).Select(f => f.Name).ToList();
    }

    /// <summary>
    /// What a model would generate of the rendered turn: up to the first stop text, and after a reasoning block
    /// the template inserted (reasoning parsers split that off before the tool parser runs).
    /// </summary>
    public static string GeneratedPart(string turn, IEnumerable<string> stopTexts)
    {
        int end = turn.Length;
        foreach (var stop in stopTexts)
        {
            if (stop.Length == 0) continue;
            // A stop text opening the turn closes the previous message (the cut fell just before it), not this one.
            int from = turn.Length - turn.TrimStart().Length;
            if (string.CompareOrdinal(turn, from, stop, 0, stop.Length) == 0) from += stop.Length;
            int at = turn.IndexOf(stop, from, StringComparison.Ordinal);
            if (at >= 0 && at < end) end = at;
        }
        turn = turn[..end];
        int think = turn.LastIndexOf("</think>", StringComparison.Ordinal);
        return think >= 0 ? turn[(think + "</think>".Length)..] : turn;
    }

    private static int IndexOf(this IReadOnlyList<string> list, string value)
    {
        for (int i = 0; i < list.Count; i++) if (list[i] == value) return i;
        return -1;
    }
}
