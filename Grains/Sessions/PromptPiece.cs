namespace Cluster.Grains.Sessions;

/// <summary>
/// One piece of a rendered prompt as it is tokenized: template markup (special-token text matched) or a message's
/// content (matched as plain text). Its token ids are <c>Encode(Text, AllowSpecialTokens, StartsText)</c> and depend
/// on nothing else, which is what lets a session reuse a piece's ids from an earlier turn (<see cref="PromptTokenMemo"/>).
/// </summary>
internal readonly record struct PromptPiece(string Text, bool AllowSpecialTokens, bool StartsText)
{
    /// <summary>
    /// Cuts the rendered prompt into pieces so that special-token text typed by users stays text: the template's own
    /// markup may produce special tokens, but the spans where message contents landed are encoded without
    /// special-token matching. Contents are located in rendering order; one the template rewrote (and so cannot
    /// be found verbatim) is searched for nowhere, and its special-token text would match — templates that
    /// rewrite content are rare and do so with trim-like edits that keep the text findable.
    /// </summary>
    public static List<PromptPiece> Split(string text, IReadOnlyList<string> untrusted)
    {
        var pieces = new List<PromptPiece>(2 * untrusted.Count + 1);
        int position = 0;
        foreach (var content in untrusted)
        {
            if (content.Length == 0) continue;
            int at = text.IndexOf(content, position, StringComparison.Ordinal);
            if (at < 0) continue;
            if (at > position) pieces.Add(new PromptPiece(text[position..at], AllowSpecialTokens: true, StartsText: position == 0));
            pieces.Add(new PromptPiece(content, AllowSpecialTokens: false, StartsText: at == 0));
            position = at + content.Length;
        }
        if (position < text.Length) pieces.Add(new PromptPiece(text[position..], AllowSpecialTokens: true, StartsText: position == 0));
        return pieces;
    }
}
