using Cluster.Contracts.Requests;
using System.Text.Json.Nodes;
using Cluster.ChatTemplates;
using Cluster.Contracts.OpenAI;
using Cluster.Grains.Hosting;

namespace Cluster.Grains.Sessions;

/// <summary>The prompt text and, in rendering order, the user-supplied texts it contains.</summary>
internal sealed record RenderedPrompt(string Text, IReadOnlyList<string> UntrustedTexts);

/// <summary>
/// Renders a chat request with the model's chat template, as Hugging Face's <c>apply_chat_template</c> would:
/// OpenAI-shaped messages and tools, <c>add_generation_prompt</c>, the tokenizer's special tokens, and the
/// request's <c>chat_template_kwargs</c>. A model without a template gets ChatML.
/// </summary>
internal static class PromptRenderer
{
    public static RenderedPrompt Render(ModelFrontend model, ChatCompletionRequest request, IReadOnlyList<ChatMessage> messages)
    {
        var untrusted = new List<string>();
        foreach (var m in messages)
        {
            if (!string.IsNullOrEmpty(m.Content)) untrusted.Add(m.Content);
            foreach (var call in m.ToolCalls ?? []) untrusted.Add(call.Arguments);
        }
        bool offerTools = request.Tools.Length > 0 && !(request.ToolChoice == "none" && request.ExcludeToolsWhenToolChoiceNone);
        var template = offerTools ? model.Format.ToolUseTemplate : model.Format.Template;
        if (template is null) return new RenderedPrompt(ChatMl(messages, request.AddGenerationPrompt), untrusted);

        var tokenizer = model.Folder.Tokenizer;
        var extra = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        if (request.ChatTemplateKwargsJson is { } kwargs)
            foreach (var (key, value) in JsonNode.Parse(kwargs)!.AsObject()) extra[key] = value?.DeepClone();
        try
        {
            string text = template.Apply(new ChatTemplateContext
            {
                Messages = ToJson(messages),
                Tools = offerTools ? ChatToolJson.ToOpenAI(request.Tools) : null,
                AddGenerationPrompt = request.AddGenerationPrompt,
                BosToken = tokenizer.BosToken,
                EosToken = tokenizer.EosToken,
                ExtraVariables = extra,
            });
            return new RenderedPrompt(text, untrusted);
        }
        catch (TemplateException e)
        {
            // The template refuses this conversation (e.g. roles that do not alternate): the client's to fix.
            throw RequestRejection.Invalid("messages", $"The model's chat template cannot render these messages: {e.Message}").ToException();
        }
    }

    private static JsonArray ToJson(IReadOnlyList<ChatMessage> messages)
    {
        var array = new JsonArray();
        foreach (var m in messages)
        {
            var o = new JsonObject { ["role"] = m.Role, ["content"] = m.Content };
            if (m.Name is not null) o["name"] = m.Name;
            if (m.ToolCallId is not null) o["tool_call_id"] = m.ToolCallId;
            if (m.ReasoningContent is not null) o["reasoning_content"] = m.ReasoningContent;
            if (m.ToolCalls is { Length: > 0 } calls)
            {
                o["tool_calls"] = new JsonArray(calls.Select(c => (JsonNode)new JsonObject
                {
                    ["id"] = c.Id,
                    ["type"] = "function",
                    ["function"] = new JsonObject { ["name"] = c.Name, ["arguments"] = c.Arguments },
                }).ToArray());
            }
            array.Add(o);
        }
        return array;
    }

    private static string ChatMl(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt)
    {
        var text = new System.Text.StringBuilder();
        foreach (var m in messages) text.Append("<|im_start|>").Append(m.Role).Append('\n').Append(m.Content).Append("<|im_end|>\n");
        return addGenerationPrompt ? text.Append("<|im_start|>assistant\n").ToString() : text.ToString();
    }
}
