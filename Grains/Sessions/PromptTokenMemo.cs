using Cluster.Engine.Tokenization;

namespace Cluster.Grains.Sessions;

/// <summary>
/// A stateful session's memory of its previous prompt's pieces and their token ids, so that a turn tokenizes only
/// what is new. Each turn still renders the whole conversation (templates may rewrite earlier turns, as Qwen3 drops
/// old reasoning); a piece of the new render is looked up by its text and flags, and since a piece's ids depend on
/// nothing else (<see cref="PromptPiece"/>), reused ids are exactly what tokenizing it again would give. Lookup by
/// content rather than by position also keeps the pieces after a rewritten one. Holds only the latest prompt's pieces,
/// so its memory is one prompt's; in memory only (a reactivated session tokenizes its first turn in full).
/// </summary>
internal sealed class PromptTokenMemo
{
    private Dictionary<PromptPiece, int[]> _previous = [];
    private HfTokenizer? _tokenizer;

    /// <summary>Tokenizes <paramref name="pieces"/> in order, taking the ids of pieces seen before.</summary>
    /// <param name="reused">How many of the returned ids came from the previous call's prompt. A piece repeated within
    /// this prompt (every <c>&lt;|im_start|&gt;</c>) is tokenized once too, but that is not reuse of a conversation.</param>
    public List<int> Tokenize(HfTokenizer tokenizer, IReadOnlyList<PromptPiece> pieces, out int reused)
    {
        // Another tokenizer's ids mean nothing here (a session is bound to one model, but a reloaded model is a new tokenizer).
        if (!ReferenceEquals(tokenizer, _tokenizer)) _previous = [];
        _tokenizer = tokenizer;
        var current = new Dictionary<PromptPiece, int[]>(pieces.Count);
        var ids = new List<int>();
        reused = 0;
        foreach (var piece in pieces)
        {
            bool fromPrevious = _previous.TryGetValue(piece, out var previousIds);
            int[] pieceIds = fromPrevious ? previousIds! : current.TryGetValue(piece, out var seen) ? seen
                : [.. tokenizer.Encode(piece.Text, piece.AllowSpecialTokens, piece.StartsText)];
            current[piece] = pieceIds;
            ids.AddRange(pieceIds);
            if (fromPrevious) reused += pieceIds.Length;
        }
        _previous = current;
        return ids;
    }

    /// <summary>Forgets everything (the session was cleared).</summary>
    public void Clear()
    {
        _previous = [];
        _tokenizer = null;
    }
}
