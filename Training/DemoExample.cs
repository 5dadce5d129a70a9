using System.Text.Json.Nodes;
using Cluster.ChatTemplates;
using Cluster.Engine.Tokenization;

namespace Cluster.Training;

/// <summary>
/// A conversation as training tokens: the prompt as the chat template renders it for serving (no loss) and each
/// assistant reply, up to and including its end-of-turn token (loss), so the model learns exactly what the served
/// prompt asks it to continue.
/// </summary>
public sealed record DemoExample(int[] TokenIds, bool[] Learn, bool IsDrill = false)
{
    /// <summary>A drill (<see cref="DemoData.NextDrill"/>): its segments' tokens, learning the ones marked so.</summary>
    public static DemoExample Encode(IReadOnlyList<(string Text, bool Learn)> drill, HfTokenizer tokenizer)
    {
        var ids = new List<int>();
        var learn = new List<bool>();
        foreach (var (text, target) in drill)
        {
            foreach (int id in tokenizer.Encode(text, allowSpecialTokens: false))
            {
                ids.Add(id);
                learn.Add(target);
            }
        }
        return new DemoExample(ids.ToArray(), learn.ToArray(), IsDrill: true);
    }

    /// <summary>
    /// An argument drill (<see cref="DemoData.NextArgumentDrill"/>): a request and its call rendered as serving renders
    /// them, learning only the call's arguments and what closes the turn. The tool's name is given, not learned: with no
    /// tool list in the prompt, learning it would teach calling tools that are not offered.
    /// </summary>
    public static DemoExample EncodeArguments(DemoConversation drill, ChatTemplate template, HfTokenizer tokenizer)
    {
        string prompt = Render(template, tokenizer, drill.Messages, 1, tools: null, generationPrompt: true);
        string whole = Render(template, tokenizer, drill.Messages, 2, tools: null, generationPrompt: false);
        string eos = EndOfTurn(tokenizer);
        string text = whole[..(whole.IndexOf(eos, prompt.Length, StringComparison.Ordinal) + eos.Length)];
        // Learning starts at the space before the arguments' brace: the pre-tokenizer joins a space to the punctuation
        // after it, so the boundary falls between tokens there as it does when the whole reply is encoded.
        const string argumentsKey = "\"arguments\":";
        int learnFrom = text.IndexOf(argumentsKey, prompt.Length, StringComparison.Ordinal) + argumentsKey.Length;
        var ids = tokenizer.Encode(text, allowSpecialTokens: true).ToArray();
        int first = tokenizer.Encode(text[..learnFrom], allowSpecialTokens: true).Count;
        return new DemoExample(ids, [.. Enumerable.Range(0, ids.Length).Select(k => k >= first)], IsDrill: true);
    }

    public static DemoExample Encode(DemoConversation conversation, ChatTemplate template, HfTokenizer tokenizer)
    {
        var messages = conversation.Messages;
        var tools = conversation.ToolsJson();
        string Render(int count, bool generationPrompt) => DemoExample.Render(template, tokenizer, messages, count, tools, generationPrompt);
        string whole = Render(messages.Count, false), endOfTurn = EndOfTurn(tokenizer);
        var ids = new List<int>();
        var learn = new List<bool>();
        void Add(string text, bool target)
        {
            foreach (int id in tokenizer.Encode(text, allowSpecialTokens: true))
            {
                ids.Add(id);
                learn.Add(target);
            }
        }
        int done = 0;
        for (int i = 0; i < messages.Count; i++)
        {
            if (messages[i]!["role"]!.GetValue<string>() != "assistant") continue;
            string prompt = Render(i, true), withReply = Render(i + 1, false);
            if (!whole.StartsWith(prompt, StringComparison.Ordinal) || !withReply.StartsWith(prompt, StringComparison.Ordinal))
                throw new InvalidOperationException("The chat template does not render a conversation as an extension of its prompt.");
            string reply = withReply[prompt.Length..];
            // The reply ends at its end-of-turn token; what the template puts after it belongs to the next prompt.
            int end = reply.IndexOf(endOfTurn, StringComparison.Ordinal);
            if (end >= 0) reply = reply[..(end + endOfTurn.Length)];
            Add(whole[done..prompt.Length], target: false);
            Add(reply, target: true);
            done = prompt.Length + reply.Length;
        }
        Add(whole[done..], target: false);
        return new DemoExample(ids.ToArray(), learn.ToArray());
    }

    /// <summary>A whole conversation's text as serving renders it, for a model whose tokenizer is not written yet (the
    /// template's own begin and end tokens; Qwen2.5's uses none).</summary>
    public static string Text(DemoConversation conversation, ChatTemplate template) =>
        Render(template, bos: null, eos: null, conversation.Messages, conversation.Messages.Count, conversation.ToolsJson(), generationPrompt: false);

    /// <summary>The first <paramref name="count"/> messages rendered as serving renders them (<paramref name="tools"/> null: no tool list).</summary>
    private static string Render(ChatTemplate template, HfTokenizer tokenizer, JsonArray messages, int count, JsonArray? tools, bool generationPrompt) =>
        Render(template, tokenizer.BosToken, tokenizer.EosToken, messages, count, tools, generationPrompt);

    private static string Render(ChatTemplate template, string? bos, string? eos, JsonArray messages, int count, JsonArray? tools, bool generationPrompt) =>
        template.Apply(new ChatTemplateContext
        {
            Messages = new JsonArray(messages.Take(count).Select(m => m!.DeepClone()).ToArray()),
            Tools = (JsonArray?)tools?.DeepClone(),
            AddGenerationPrompt = generationPrompt,
            BosToken = bos,
            EosToken = eos,
        });

    private static string EndOfTurn(HfTokenizer tokenizer) => tokenizer.EosToken ?? "<|im_end|>";
}
