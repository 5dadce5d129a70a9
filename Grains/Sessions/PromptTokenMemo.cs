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
        var current = new Dictionary<PromptPiece, (int[] Ids, bool FromPrevious)>(pieces.Count);
        var ids = new List<int>();
        reused = 0;
        foreach (var piece in pieces)
        {
            if (!current.TryGetValue(piece, out var known))
            {
                known = _previous.TryGetValue(piece, out var previousIds)
                    ? (previousIds, true)
                    : ([.. tokenizer.Encode(piece.Text, piece.AllowSpecialTokens, piece.StartsText)], false);
                current[piece] = known;
            }
            ids.AddRange(known.Ids);
            if (known.FromPrevious) reused += known.Ids.Length;
        }
        _previous = current.ToDictionary(p => p.Key, p => p.Value.Ids);
        return ids;
    }

    /// <summary>Forgets everything (the session was cleared).</summary>
    public void Clear()
    {
        _previous = [];
        _tokenizer = null;
    }
}
