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
        string Render(int count, bool generationPrompt) => template.Apply(new ChatTemplateContext
        {
            Messages = new JsonArray(drill.Messages.Take(count).Select(m => m!.DeepClone()).ToArray()),
            AddGenerationPrompt = generationPrompt,
            BosToken = tokenizer.BosToken,
            EosToken = tokenizer.EosToken,
        });
        string prompt = Render(1, true), whole = Render(2, false);
        string eos = tokenizer.EosToken ?? "<|im_end|>";
        string text = whole[..(whole.IndexOf(eos, prompt.Length, StringComparison.Ordinal) + eos.Length)];
        // Learning starts at the space before the arguments' brace: the pre-tokenizer joins a space to the punctuation
        // after it, so the boundary falls between tokens there as it does when the whole reply is encoded.
        const string argumentsKey = "\"arguments\":";
        int learnFrom = text.IndexOf(argumentsKey, prompt.Length, StringComparison.Ordinal) + argumentsKey.Length;
        var ids = tokenizer.Encode(text, allowSpecialTokens: true).ToArray();
        var learn = new bool[ids.Length];
        for (int k = ids.Length - 1; k >= 0 && tokenizer.Decode(ids[..k], skipSpecialTokens: false).Length >= learnFrom; k--) learn[k] = true;
        return new DemoExample(ids, learn, IsDrill: true);
    }

    public static DemoExample Encode(DemoConversation conversation, ChatTemplate template, HfTokenizer tokenizer)
    {
        var messages = conversation.Messages;
        var tools = conversation.ToolsJson();
        string Render(int count, bool generationPrompt) => template.Apply(new ChatTemplateContext
        {
            Messages = new JsonArray(messages.Take(count).Select(m => m!.DeepClone()).ToArray()),
            Tools = (JsonArray)tools.DeepClone(),
            AddGenerationPrompt = generationPrompt,
            BosToken = tokenizer.BosToken,
            EosToken = tokenizer.EosToken,
        });
        string whole = Render(messages.Count, false);
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
            int end = reply.IndexOf(tokenizer.EosToken ?? "<|im_end|>", StringComparison.Ordinal);
            if (end >= 0) reply = reply[..(end + (tokenizer.EosToken ?? "<|im_end|>").Length)];
            Add(whole[done..prompt.Length], target: false);
            Add(reply, target: true);
            done = prompt.Length + reply.Length;
        }
        Add(whole[done..], target: false);
        return new DemoExample(ids.ToArray(), learn.ToArray());
    }
}
