using Cluster.Contracts.OpenAI;
using Cluster.Engine.Tokenization;
using Cluster.Grains.Hosting;

namespace Cluster.Grains.Sessions;

/// <summary>A rendered, tokenized prompt and the token ids that end its completion.</summary>
public sealed record ChatPrompt(string Text, int[] TokenIds, int[] StopTokenIds)
{
    public static ChatPrompt Build(ModelFrontend model, ChatCompletionRequest request, IReadOnlyList<ChatMessage> messages)
    {
        var rendered = PromptRenderer.Render(model, request, messages);
        var tokenizer = model.Folder.Tokenizer;
        var ids = TokenizeWithUntrustedSpans(tokenizer, rendered.Text, rendered.UntrustedTexts);
        return new ChatPrompt(rendered.Text, ids.ToArray(), EndOfSequenceIds(model));
    }

    /// <summary>Every id the model's files call end-of-sequence: tokenizer, config.json and generation_config.json.</summary>
    public static int[] EndOfSequenceIds(ModelFrontend model) => EndOfSequenceIds(model.Folder);

    /// <inheritdoc cref="EndOfSequenceIds(ModelFrontend)"/>
    public static int[] EndOfSequenceIds(Engine.ModelFiles.ModelFolder folder)
    {
        var stop = new HashSet<int>(folder.Tokenizer.EosTokenIds);
        stop.UnionWith(folder.Config.EosTokenIds);
        if (folder.GenerationConfig.EosTokenIds is { } generationEos) stop.UnionWith(generationEos);
        return stop.ToArray();
    }

    /// <summary>
    /// Tokenizes the rendered prompt so that special-token text typed by users stays text: the template's own
    /// markup may produce special tokens, but the spans where message contents landed are encoded without
    /// special-token matching. Contents are located in rendering order; one the template rewrote (and so cannot
    /// be found verbatim) is searched for nowhere, and its special-token text would match — templates that
    /// rewrite content are rare and do so with trim-like edits that keep the text findable.
    /// </summary>
    public static List<int> TokenizeWithUntrustedSpans(HfTokenizer tokenizer, string text, IReadOnlyList<string> untrusted)
    {
        var ids = new List<int>();
        int position = 0;
        foreach (var content in untrusted)
        {
            if (content.Length == 0) continue;
            int at = text.IndexOf(content, position, StringComparison.Ordinal);
            if (at < 0) continue;
            if (at > position) ids.AddRange(tokenizer.Encode(text[position..at], allowSpecialTokens: true, startsText: position == 0));
            ids.AddRange(tokenizer.Encode(content, allowSpecialTokens: false, startsText: at == 0));
            position = at + content.Length;
        }
        if (position < text.Length) ids.AddRange(tokenizer.Encode(text[position..], allowSpecialTokens: true, startsText: position == 0));
        return ids;
    }
}
