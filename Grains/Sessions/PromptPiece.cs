using Cluster.Engine.Tokenization;

namespace Cluster.Grains.Sessions;

/// <summary>
/// One piece of a rendered prompt as it is tokenized: an added token the template wrote (special-token text matched)
/// or the text between two of them (matched as plain text). Its token ids are <c>Encode(Text, AllowSpecialTokens,
/// StartsText)</c> and depend on nothing else, which is what lets a session reuse a piece's ids from an earlier turn
/// (<see cref="PromptTokenMemo"/>).
/// </summary>
internal readonly record struct PromptPiece(string Text, bool AllowSpecialTokens, bool StartsText)
{
    /// <summary>
    /// Cuts the rendered prompt where the tokenizer itself splits text first, at added tokens, but only at those in the
    /// template's own markup: special-token text inside a message's content (<paramref name="untrusted"/>) stays text.
    /// Cutting nowhere else makes the ids those of encoding the whole prompt at once, as the model saw its training
    /// text: a cut at a content's edge would change the merges there (the space before a tool call's arguments, as in
    /// <c> {"</c>, would become a token of its own) and show the model a prompt it never saw. Contents are located in
    /// rendering order; one the template rewrote (and so cannot be found verbatim) is searched for nowhere, and its
    /// special-token text would match — templates that rewrite content are rare and do so with trim-like edits that
    /// keep the text findable.
    /// </summary>
    public static List<PromptPiece> Split(string text, IReadOnlyList<string> untrusted, HfTokenizer tokenizer)
    {
        var contents = Locate(text, untrusted);
        var pieces = new List<PromptPiece>();
        int position = 0, search = 0, content = 0;
        while (tokenizer.TryFindAddedToken(text, search, out int index, out int length))
        {
            while (content < contents.Count && contents[content].End <= index) content++;
            if (content < contents.Count && contents[content].Start < index + length)
            {
                // Inside a content (search on after it) or reaching into one (search on from the next character): not markup.
                search = Math.Max(index + 1, contents[content].Start <= index ? contents[content].End : 0);
                continue;
            }
            if (index > position) pieces.Add(new PromptPiece(text[position..index], AllowSpecialTokens: false, StartsText: position == 0));
            pieces.Add(new PromptPiece(text.Substring(index, length), AllowSpecialTokens: true, StartsText: index == 0));
            position = search = index + length;
        }
        if (position < text.Length) pieces.Add(new PromptPiece(text[position..], AllowSpecialTokens: false, StartsText: position == 0));
        return pieces;
    }

    /// <summary>Where each content landed, in order and not overlapping; contents not found verbatim are left out.</summary>
    private static List<(int Start, int End)> Locate(string text, IReadOnlyList<string> untrusted)
    {
        var spans = new List<(int Start, int End)>(untrusted.Count);
        int position = 0;
        foreach (var content in untrusted)
        {
            if (content.Length == 0) continue;
            int at = text.IndexOf(content, position, StringComparison.Ordinal);
            if (at < 0) continue;
            spans.Add((at, at + content.Length));
            position = at + content.Length;
        }
        return spans;
    }
}
