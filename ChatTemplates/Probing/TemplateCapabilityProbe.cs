using System.Text.Json.Nodes;
using static Cluster.ChatTemplates.Probing.SyntheticConversation;

namespace Cluster.ChatTemplates.Probing;

/// <summary>Finds a template's <see cref="TemplateCapabilities"/> by rendering synthetic conversations through it.</summary>
public static class TemplateCapabilityProbe
{
    private const string SystemNeedle = "sys_probe_7f3a";
    private const string UserText = "user_probe_text";
    private const string ToolName = "tool_probe_fn";
    private const string SecondToolName = "tool_probe_other";
    private const string ToolResult = "tool_probe_result_91c";
    private const string ArgumentValue = "Paris_probe";

    private static readonly DateTime ProbeNow = new(2026, 1, 15, 12, 0, 0);

    private sealed record Attempt(string? Output, string? Error)
    {
        public bool Contains(string needle) => Output?.Contains(needle, StringComparison.Ordinal) == true;

        public string Describe(string needle) => Error is not null ? $"error ({Error})" : Contains(needle) ? "rendered" : "dropped";
    }

    /// <summary>Probes <paramref name="template"/>; never throws for template errors (they are conclusions).</summary>
    public static TemplateCapabilities Probe(ChatTemplate template)
    {
        ArgumentNullException.ThrowIfNull(template);
        var notes = new List<string>();
        var user = Message("user", UserText);

        var system = Try(template, [Message("system", SystemNeedle), user.DeepClone()], null);
        var supportsSystem = system.Contains(SystemNeedle);
        notes.Add($"system message: {system.Describe(SystemNeedle)}");

        var tools = Try(template, [user.DeepClone()], Tools(ToolName));
        var supportsTools = tools.Contains(ToolName);
        notes.Add($"tools offered: {tools.Describe(ToolName)}");

        var call = new SyntheticToolCall(ToolName, $$"""{"city": "{{ArgumentValue}}"}""");
        JsonArray CallConversation(bool asString, string? content, IReadOnlyList<SyntheticToolCall> calls) =>
        [
            user.DeepClone(),
            AssistantToolCalls(calls, asString, content),
            .. calls.Select(c => (JsonNode)SyntheticConversation.ToolResult(c.Id, c.Name, ToolResult)),
        ];

        var objectCall = Try(template, CallConversation(false, "", [call]), Tools(ToolName, SecondToolName));
        var objectArgumentsWork = objectCall.Contains(ToolName) && objectCall.Contains(ArgumentValue);
        notes.Add($"tool call with object arguments: {objectCall.Describe(ArgumentValue)}");

        var stringCall = Try(template, CallConversation(true, "", [call]), Tools(ToolName, SecondToolName));
        var stringEscaped = stringCall.Contains("\\\"" + ArgumentValue);
        var stringArgumentsWork = stringCall.Contains(ToolName) && stringCall.Contains(ArgumentValue) && !stringEscaped;
        notes.Add($"tool call with JSON-string arguments: {(stringEscaped ? "rendered escaped" : stringCall.Describe(ArgumentValue))}");

        var supportsCalls = objectArgumentsWork || stringArgumentsWork;
        var requiresObject = objectArgumentsWork && !stringArgumentsWork;
        // Later probes use whichever argument shape the template accepts (functionary v3.2 wants strings).
        var asString = !objectArgumentsWork && stringArgumentsWork;
        var baseline = asString ? stringCall : objectCall;

        var supportsResponses = baseline.Contains(ToolResult);
        notes.Add($"tool response: {baseline.Describe(ToolResult)}");

        var nullContent = Try(template, CallConversation(asString, null, [call]), Tools(ToolName, SecondToolName));
        var requiresNonNull = supportsCalls && (nullContent.Error is not null || CountOf(nullContent.Output, "None") > CountOf(baseline.Output, "None"));
        notes.Add($"tool call with content null: {(nullContent.Error is not null ? $"error ({nullContent.Error})" : requiresNonNull ? "printed None" : "accepted")}");

        var parallel = Try(template, CallConversation(asString, "", [call, new SyntheticToolCall(SecondToolName, """{"city": "Tokyo"}""", "call00002")]),
            Tools(ToolName, SecondToolName));
        var supportsParallel = parallel.Contains(ToolName) && parallel.Contains(SecondToolName);
        notes.Add($"two parallel tool calls: {parallel.Describe(SecondToolName)}");

        var longIds = Try(template, CallConversation(asString, "", [call with { Id = "call_probe_long_id" }]), Tools(ToolName, SecondToolName));
        var requiresNineCharIds = baseline.Error is null && longIds.Error is not null;
        notes.Add($"tool call id 'call_probe_long_id': {(longIds.Error is not null ? $"error ({longIds.Error})" : "accepted")}");

        return new TemplateCapabilities
        {
            SupportsSystemRole = supportsSystem,
            SupportsTools = supportsTools,
            SupportsToolCalls = supportsCalls,
            SupportsToolResponses = supportsResponses,
            SupportsParallelToolCalls = supportsParallel,
            RequiresObjectArguments = requiresObject,
            RequiresNonNullContent = requiresNonNull,
            RequiresNineCharacterToolCallIds = requiresNineCharIds,
            Notes = notes,
        };
    }

    private static int CountOf(string? text, string needle)
    {
        if (text is null) return 0;
        var n = 0;
        for (var i = text.IndexOf(needle, StringComparison.Ordinal); i >= 0; i = text.IndexOf(needle, i + needle.Length, StringComparison.Ordinal)) n++;
        return n;
    }

    private static Attempt Try(ChatTemplate template, JsonArray messages, JsonArray? tools)
    {
        try
        {
            return new Attempt(template.Render(new ChatTemplateContext
            {
                Messages = messages,
                Tools = tools,
                AddGenerationPrompt = true,
                Now = ProbeNow,
            }), null);
        }
        catch (TemplateException e)
        {
            return new Attempt(null, e.Message);
        }
    }
}
