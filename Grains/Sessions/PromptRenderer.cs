using Cluster.Contracts.OpenAI;
using Cluster.Grains.Hosting;

namespace Cluster.Grains.Sessions;

/// <summary>The prompt text and, in rendering order, the user-supplied texts it contains.</summary>
internal sealed record RenderedPrompt(string Text, IReadOnlyList<string> UntrustedTexts);

/// <summary>Renders a chat request with the model's chat template.</summary>
internal static class PromptRenderer
{
    public static RenderedPrompt Render(ServedModel model, ChatCompletionRequest request)
    {
        // Until the Jinja engine is wired in, ChatML is the built-in template.
        var text = new System.Text.StringBuilder();
        var untrusted = new List<string>();
        foreach (var m in request.Messages)
        {
            text.Append("<|im_start|>").Append(m.Role).Append('\n').Append(m.Content).Append("<|im_end|>\n");
            if (m.Content is not null) untrusted.Add(m.Content);
        }
        text.Append("<|im_start|>assistant\n");
        return new RenderedPrompt(text.ToString(), untrusted);
    }
}
